// Download of a record: the read is authorized and logged on the ledger first (access:OpenRecord,
// a submitted transaction signed as the reader, which also returns this hospital's wrapped key);
// then the ciphertext is read from the hospital's own Kubo node into a private spool file while
// hashing, compared with the ledger's SHA-256 and size, and only then decrypted to the caller.
// A mismatch is CONTENT_INTEGRITY_FAILED (502) before any byte of the file is sent.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, unlink } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pipelineCb, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CodedError } from '@ehr/common';
import type { OpenRecordResult, Purpose, RecordMeta } from '@ehr/chaincode/api';
import { kuboCatStream } from '@ehr/network';
import { DecryptStream, HEADER_LENGTH, TAG_LENGTH } from '../crypto';
import type { Caller } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import type { HospitalKeyRegistration } from './hospital-key';
import type { RecordsConfig } from './records-config';
import { RECORD_TX } from './transactions';

export interface OpenedRecord {
  record: RecordMeta;
  /** Plaintext length (from the ciphertext's size and segment size). */
  size: number;
  /** The decrypted file; every chunk it yields was authenticated. */
  content: Readable;
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'application/dicom': 'dcm',
};
export const fileNameOf = (r: RecordMeta) =>
  `${r.category}-${r.recordId}.${EXTENSIONS[r.mediaType] ?? 'bin'}`;

/** Plaintext size of a ciphertext of `size` bytes written with `segmentSize`-byte segments. */
export function plaintextSize(size: number, segmentSize: number): number {
  const body = size - HEADER_LENGTH;
  const segments = Math.max(1, Math.ceil(body / (segmentSize + TAG_LENGTH)));
  return body - segments * TAG_LENGTH;
}

/** Counts and hashes bytes on their way to the spool; refuses more than `max`. */
class SpoolDigest extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(
    chunk: Buffer,
    _e: BufferEncoding,
    done: (e?: Error | null, c?: Buffer) => void,
  ): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max)
      return done(
        new CodedError(
          'CONTENT_INTEGRITY_FAILED',
          'The stored file is longer than the ledger says.',
        ),
      );
    this.hash.update(chunk);
    done(null, chunk);
  }
}

export class RecordDownloads {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly cfg: RecordsConfig,
    private readonly hospitalKey: HospitalKeyRegistration,
  ) {
    mkdirSync(cfg.spoolDir, { recursive: true, mode: 0o700 });
  }

  async open(caller: Caller, recordId: string, purpose: Purpose): Promise<OpenedRecord> {
    const opened = (
      await caller.ledger.submit<OpenRecordResult>(RECORD_TX.open, [recordId, purpose])
    ).result;
    const { record } = opened;
    let dataKey: Buffer | undefined;
    const spool = join(this.cfg.spoolDir, `${randomUUID()}.enc`);
    const remove = () => unlink(spool, () => undefined);
    try {
      const digest = new SpoolDigest(record.size);
      let source: Readable;
      try {
        source = await kuboCatStream(
          this.ctx.config.hospital,
          record.cid,
          AbortSignal.timeout(this.cfg.ipfsReadTimeoutMs),
        );
        await pipeline(source, digest, createWriteStream(spool, { mode: 0o600 }));
      } catch (e) {
        if (e instanceof CodedError) throw e;
        this.ctx.log.warn(
          { recordId, err: (e as Error).message },
          'reading the record from IPFS failed',
        );
        throw new CodedError('STORAGE_UNAVAILABLE');
      }
      const sha256 = digest.hash.digest('hex');
      if (digest.bytes !== record.size || sha256 !== record.sha256) {
        this.ctx.log.error(
          { recordId, cid: record.cid },
          'stored file does not match the ledger hash',
        );
        throw new CodedError('CONTENT_INTEGRITY_FAILED', undefined, { recordId });
      }
      // Under whichever of the hospital's keys (current or retired) it was wrapped.
      dataKey = this.hospitalKey.unwrap(
        opened.wrappedKeys.map((k) => ({ keyId: k.keyId, key: k.wrappedKey })),
        record.recordId,
      );

      const header = Buffer.alloc(HEADER_LENGTH);
      const fh = await open(spool, 'r');
      try {
        await fh.read(header, 0, HEADER_LENGTH, 0);
      } finally {
        await fh.close();
      }
      const segmentSize = header.readUInt32BE(5);
      const content = new DecryptStream(dataKey);
      // pipeline: when the caller goes away (content destroyed), the spool file is closed too.
      pipelineCb(createReadStream(spool), content, () => undefined);
      const key = dataKey;
      content.once('close', () => {
        key.fill(0);
        remove();
      });
      return { record, size: plaintextSize(record.size, segmentSize), content };
    } catch (e) {
      dataKey?.fill(0);
      remove();
      throw e;
    }
  }
}
