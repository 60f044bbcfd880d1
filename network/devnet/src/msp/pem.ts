// PEM decoding with the strictness Fabric's MSP applies to identities (Go's pem.Decode:
// the first block is taken, `rest` is what follows it).
export interface PemBlock {
  type: string;
  der: Buffer;
  /** Bytes after the block's END line. */
  rest: Buffer;
}

const BEGIN = /-----BEGIN ([^-\r\n]*)-----\r?\n/;

export function decodePem(data: Uint8Array): PemBlock | undefined {
  const text = Buffer.from(data).toString('latin1');
  const begin = BEGIN.exec(text);
  if (!begin) return undefined;
  const type = begin[1]!;
  const endMarker = `-----END ${type}-----`;
  const bodyStart = begin.index + begin[0].length;
  const endAt = text.indexOf(endMarker, bodyStart);
  if (endAt < 0) return undefined;
  const body = text.slice(bodyStart, endAt);
  if (/[^A-Za-z0-9+/=\s]/.test(body)) return undefined;
  let restAt = endAt + endMarker.length;
  if (text[restAt] === '\r') restAt++;
  if (text[restAt] === '\n') restAt++;
  return {
    type,
    der: Buffer.from(body.replace(/\s+/g, ''), 'base64'),
    rest: Buffer.from(data).subarray(restAt),
  };
}

/** All CERTIFICATE blocks of a PEM bundle (a file may hold several). */
export function decodePemCertificates(data: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  let rest: Buffer = Buffer.from(data);
  for (;;) {
    const block = decodePem(rest);
    if (!block) return out;
    if (block.type === 'CERTIFICATE') out.push(block.der);
    rest = block.rest;
  }
}

export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}
