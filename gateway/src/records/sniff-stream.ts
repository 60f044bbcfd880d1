// Pass-through streams of the upload pipeline: the media-type check on the first bytes, and the
// running SHA-256 and length of the ciphertext on its way to IPFS.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { CodedError } from '@ehr/common';
import { SNIFF_BYTES, sniffMediaType } from './media-type';

/** Holds back the first bytes until the media type is known; refuses what is not allowed. */
export class MediaTypeGate extends Transform {
  mediaType: string | undefined;
  bytes = 0;
  private head: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly agrees: (detected: string) => boolean) {
    super();
  }

  private decide(): void {
    const head = Buffer.concat(this.head, this.headLength);
    const detected = sniffMediaType(head);
    if (!detected || !this.agrees(detected)) {
      throw new CodedError(
        'UNSUPPORTED_MEDIA_TYPE',
        'The file is not a PDF, PNG, JPEG or DICOM file (checked on its content).',
        {
          allowed: ['application/pdf', 'image/png', 'image/jpeg', 'application/dicom'],
        },
      );
    }
    this.mediaType = detected;
    this.push(head);
    this.head = [];
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    try {
      this.bytes += chunk.length;
      if (this.mediaType) {
        this.push(chunk);
      } else {
        this.head.push(chunk);
        this.headLength += chunk.length;
        if (this.headLength >= SNIFF_BYTES) this.decide();
      }
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.bytes === 0) throw new CodedError('FILE_EMPTY');
      if (!this.mediaType) this.decide();
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

/** Counts and hashes what passes through. */
export class DigestStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  digest: string | undefined;

  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    done();
  }
}
