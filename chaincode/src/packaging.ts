// Chaincode-as-a-Service packaging, as Fabric's peer reads it (core/chaincode/persistence):
// a tar.gz holding metadata.json ({type: "ccaas", label}) and code.tar.gz (connection.json).
// The package id is `<label>:<hex SHA-256 of the package bytes>` (persistence.PackageID), so
// the bytes are made reproducible: fixed order, mode, owner and time, gzip without name/time.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** Fabric's rule for labels (persistence.LabelRegexp). */
export const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

export function packageLabel(name: string, version: string): string {
  return `${name}_${version}`.replace(/[^A-Za-z0-9_.+-]/g, '_');
}

/** connection.json with Go-template fields the CCaaS builder fills per peer (the same package
 *  serves every hospital; each peer's builder config names its own chaincode server). */
export function connectionTemplate(tls: boolean): Record<string, unknown> {
  return {
    address: '{{.address}}',
    dial_timeout: '10s',
    tls_required: tls,
    ...(tls ? { client_auth_required: false, root_cert: '{{.root_cert}}' } : {}),
  };
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One regular file in a POSIX ustar archive (mode 0644, uid/gid 0, mtime 0). */
function tarEntry(name: string, data: Buffer): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long: ${name}`);
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(data.length, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  header.write('0', 156, 'ascii');
  header.write('ustar\0' + '00', 257, 'ascii');
  let sum = 0;
  for (const b of header) sum += b;
  header.write(octal(sum, 7) + ' ', 148, 'ascii');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, pad]);
}

/** A reproducible tar.gz of the given files, in name order. */
export function tarGz(files: Record<string, Buffer | string>): Buffer {
  const names = Object.keys(files).sort();
  const tar = Buffer.concat([
    ...names.map((n) => tarEntry(n, Buffer.from(files[n]!))),
    Buffer.alloc(1024), // two zero blocks end the archive
  ]);
  // Node's gzip header carries no file name and a zero mtime, like `gzip -n`.
  return gzipSync(tar, { level: 9 });
}

export interface CcaasPackage {
  label: string;
  bytes: Buffer;
  packageId: string;
}

export function packageId(label: string, bytes: Buffer): string {
  return `${label}:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function ccaasPackage(label: string, connection: Record<string, unknown>): CcaasPackage {
  if (!LABEL.test(label)) throw new Error(`invalid chaincode package label ${label}`);
  const code = tarGz({ 'connection.json': JSON.stringify(connection, null, 2) });
  const bytes = tarGz({
    'code.tar.gz': code,
    'metadata.json': JSON.stringify({ type: 'ccaas', label }),
  });
  return { label, bytes, packageId: packageId(label, bytes) };
}
