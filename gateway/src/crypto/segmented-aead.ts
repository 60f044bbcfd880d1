// Segmented streaming AEAD for record files: AES-256-GCM over 64 KiB segments, in the manner of
// streaming AEAD formats (Tink's AES-GCM-HKDF streaming, age): a file can be encrypted and
// decrypted as a stream, every released segment is authenticated first, and truncation,
// reordering or splicing of segments is detected.
//
// Layout: header || segment_0 || ... || segment_n (n >= 0; an empty file is one empty last segment)
//   header  = "EHRS" | version (1 byte, 1) | segment size (uint32 BE) | nonce prefix (7 random bytes)
//   segment = AES-256-GCM(key, nonce_i, plaintext_i, aad = header) || tag (16 bytes)
//   nonce_i = prefix (7) | i (uint32 BE) | last flag (1 byte: 1 for the final segment, else 0)
// Every segment but the last carries exactly `segment size` plaintext bytes; the last 0..size.
// The header is bound as associated data, so changing it fails every segment.
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const AEAD_MAGIC = Buffer.from('EHRS', 'ascii');
export const AEAD_VERSION = 1;
export const DEFAULT_SEGMENT_SIZE = 64 * 1024;
export const HEADER_LENGTH = 4 + 1 + 4 + 7;
export const TAG_LENGTH = 16;
const KEY_LENGTH = 32;
const PREFIX_LENGTH = 7;
const MAX_SEGMENTS = 2 ** 32;
const MAX_SEGMENT_SIZE = 16 * 1024 * 1024;

/** Why a ciphertext was refused; the message never contains key material or plaintext. */
export class AeadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AeadError';
  }
}

/**
 * The data key as a KeyObject, made once per stream: a cipher made from a raw Buffer key imports
 * the key again each time, which cost more than encrypting the 64 KiB segment itself. Its copy is
 * wiped when collected, as the per-segment cipher contexts holding the key always were.
 */
function segmentKey(key: Buffer): KeyObject {
  if (key.length !== KEY_LENGTH) throw new AeadError('the data key must be 32 bytes (AES-256)');
  return createSecretKey(key);
}

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  if (index >= MAX_SEGMENTS) throw new AeadError('too many segments');
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, PREFIX_LENGTH);
  n[11] = last ? 1 : 0;
  return n;
}

/** Size of the ciphertext of a `plaintextSize`-byte file (header and tags included). */
export function ciphertextSize(plaintextSize: number, segmentSize = DEFAULT_SEGMENT_SIZE): number {
  const segments = Math.max(1, Math.ceil(plaintextSize / segmentSize));
  return HEADER_LENGTH + plaintextSize + segments * TAG_LENGTH;
}

/** Encrypts a byte stream; the output is header then segments. */
export class EncryptStream extends Transform {
  private readonly header: Buffer;
  private readonly prefix: Buffer;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private index = 0;
  private readonly key: KeyObject;

  constructor(
    key: Buffer,
    private readonly segmentSize = DEFAULT_SEGMENT_SIZE,
  ) {
    super();
    this.key = segmentKey(key);
    if (!Number.isInteger(segmentSize) || segmentSize < 1 || segmentSize > MAX_SEGMENT_SIZE) {
      throw new AeadError('invalid segment size');
    }
    this.prefix = randomBytes(PREFIX_LENGTH);
    this.header = Buffer.alloc(HEADER_LENGTH);
    AEAD_MAGIC.copy(this.header, 0);
    this.header[4] = AEAD_VERSION;
    this.header.writeUInt32BE(segmentSize, 5);
    this.prefix.copy(this.header, 9);
    this.push(this.header);
  }

  /** Pushes one sealed segment from its pieces (ciphertext, then its tag: never copied into one
   *  buffer, so a segment split across incoming chunks costs no extra allocation). */
  private seal(pieces: Buffer[], last: boolean): void {
    const c = createCipheriv('aes-256-gcm', this.key, nonce(this.prefix, this.index++, last));
    c.setAAD(this.header);
    for (const p of pieces) if (p.length > 0) this.push(c.update(p));
    c.final();
    this.push(c.getAuthTag());
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      const size = this.segmentSize;
      let off = 0;
      // A full segment is sealed only once at least one byte follows it: only the end of the
      // stream says which segment is last. Whole segments are sealed straight from the chunk.
      for (;;) {
        const available = chunk.length - off;
        if (this.pendingLength === 0 && available > size) {
          this.seal([chunk.subarray(off, off + size)], false);
          off += size;
        } else if (this.pendingLength > 0 && this.pendingLength + available > size) {
          const need = size - this.pendingLength;
          this.seal([...this.pending, chunk.subarray(off, off + need)], false);
          off += need;
          this.pending = [];
          this.pendingLength = 0;
        } else break;
      }
      if (off < chunk.length) {
        this.pending.push(chunk.subarray(off));
        this.pendingLength += chunk.length - off;
      }
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.seal(this.pending, true);
      this.pending = [];
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

/**
 * Decrypts what EncryptStream wrote. A segment is pushed only after its tag verified; a stream
 * that ends early, has segments swapped, dropped or appended, or any byte changed, errors with
 * AeadError (a consumer must treat everything it received as void).
 */
export class DecryptStream extends Transform {
  private header: Buffer | undefined;
  private prefix: Buffer | undefined;
  private segmentSize = 0;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private index = 0;
  private readonly key: KeyObject;

  constructor(key: Buffer) {
    super();
    this.key = segmentKey(key);
  }

  private open(sealed: Buffer, last: boolean): Buffer {
    const d = createDecipheriv('aes-256-gcm', this.key, nonce(this.prefix!, this.index++, last));
    d.setAAD(this.header!);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
    const plain = d.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
    try {
      d.final();
    } catch {
      throw new AeadError(`segment ${this.index - 1} failed authentication`);
    }
    return plain;
  }

  private readHeader(all: Buffer): void {
    if (!all.subarray(0, 4).equals(AEAD_MAGIC))
      throw new AeadError('not an encrypted record (bad magic)');
    if (all[4] !== AEAD_VERSION) throw new AeadError(`unsupported format version ${all[4]}`);
    const size = all.readUInt32BE(5);
    if (size < 1 || size > MAX_SEGMENT_SIZE) throw new AeadError('invalid segment size in header');
    this.header = Buffer.from(all.subarray(0, HEADER_LENGTH));
    this.prefix = this.header.subarray(9, 9 + PREFIX_LENGTH);
    this.segmentSize = size;
  }

  /** The first `n` pending bytes as one buffer: a view when they lie in one piece, else one copy. */
  private takePending(n: number): Buffer {
    const first = this.pending[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      for (let o = 0; o < n;) {
        const p = this.pending[0]!;
        const k = Math.min(p.length, n - o);
        p.copy(out, o, 0, k);
        o += k;
        if (k === p.length) this.pending.shift();
        else this.pending[0] = p.subarray(k);
      }
    }
    this.pendingLength -= n;
    return out;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      if (!this.header) {
        if (this.pendingLength < HEADER_LENGTH) return done();
        this.readHeader(this.takePending(HEADER_LENGTH));
      }
      const sealedSize = this.segmentSize + TAG_LENGTH;
      // A full segment followed by at least one more byte cannot be the last one.
      while (this.pendingLength > sealedSize)
        this.push(this.open(this.takePending(sealedSize), false));
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.header) throw new AeadError('truncated: no complete header');
      const rest = Buffer.concat(this.pending, this.pendingLength);
      if (rest.length < TAG_LENGTH) throw new AeadError('truncated: final segment missing');
      this.push(this.open(rest, true));
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

/** A fresh random data key (one per record). */
export const newDataKey = (): Buffer => randomBytes(KEY_LENGTH);
