// Minimal protobuf wire reading: the raw bytes of a length-delimited field, so a message the
// client signed is forwarded byte for byte (google-protobuf drops unknown fields on decode,
// Go's protobuf keeps them: the orderer must see exactly what the client sent).

function varint(buf: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  throw new Error('truncated varint');
}

/** The bytes of the last occurrence of length-delimited field `field` (undefined when absent). */
export function rawField(buf: Uint8Array, field: number): Uint8Array | undefined {
  let at = 0;
  let found: Uint8Array | undefined;
  while (at < buf.length) {
    const [tag, afterTag] = varint(buf, at);
    const wire = tag & 7;
    const num = Math.floor(tag / 8);
    switch (wire) {
      case 0:
        at = varint(buf, afterTag)[1];
        break;
      case 1:
        at = afterTag + 8;
        break;
      case 5:
        at = afterTag + 4;
        break;
      case 2: {
        const [len, start] = varint(buf, afterTag);
        if (start + len > buf.length) throw new Error('truncated field');
        if (num === field) found = buf.subarray(start, start + len);
        at = start + len;
        break;
      }
      default:
        throw new Error(`unsupported wire type ${wire}`);
    }
    if (at > buf.length) throw new Error('truncated message');
  }
  return found;
}
