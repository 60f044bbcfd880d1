// Upload of a record: the doctor's multipart request is streamed through the media-type gate,
// encrypted with a fresh data key in authenticated segments, hashed and added to IPFS Cluster,
// never held whole in memory. Only then is the record written on the ledger, signed as the
// doctor, with the data key wrapped for every hospital the chaincode names as key holder.
// Nothing half-written: an IPFS failure writes nothing on the ledger; a ledger failure unpins the
// file (or, if the unpin fails too, records it for cleanup and says so in the error).
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import busboy from 'busboy';
import { CodedError } from '@ehr/common';
import type { AddRecordRequest, KeyHolder, RecordCategory, RecordMeta } from '@ehr/chaincode/api';
import type { IpfsClusterClient } from '@ehr/network';
import { EncryptStream, newDataKey, WRAP_ALGORITHM, wrapDataKey } from '../crypto';
import type { Caller } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import type { HospitalKeyRegistration } from './hospital-key';
import { declaredTypeAgrees } from './media-type';
import type { RecordsConfig } from './records-config';
import { DigestStream, MediaTypeGate } from './sniff-stream';
import { RECORD_TX } from './transactions';

const CATEGORIES: readonly RecordCategory[] = ['report', 'prescription', 'imaging', 'other'];
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;
const REMARK_MAX = 2000;

export interface RecordCreated {
  recordId: string;
  cid: string;
  transactionId: string;
  replicas: number;
}

/** What a request brings: its headers and its body stream. */
export interface UploadRequest {
  headers: IncomingHttpHeaders;
  body: Readable;
}

interface Stored {
  cid: string;
  sha256: string;
  size: number;
  mediaType: string;
}

export class RecordUploads {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly cfg: RecordsConfig,
    private readonly hospitalKey: HospitalKeyRegistration,
    private readonly clusterClient: () => IpfsClusterClient,
  ) {}

  /** Made on first use: the cluster's API password exists only once the IPFS services ran. */
  private get cluster(): IpfsClusterClient {
    return this.clusterClient();
  }

  /**
   * The record id: random, or — with an idempotency key — derived from (doctor, patient, key),
   * so a retry finds the record the first attempt wrote (the ledger is the idempotency store).
   */
  recordIdFor(doctorId: string, patientId: string, idempotencyKey?: string): string {
    if (!idempotencyKey) return randomUUID();
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new CodedError('VALIDATION_FAILED', 'Idempotency-Key must be 1-128 letters, digits or . _ : -');
    }
    const h = createHash('sha256').update(`ehr-ledger/idempotency/v1\n${doctorId}\n${patientId}\n${idempotencyKey}`).digest('hex');
    return `r-${h.slice(0, 40)}`;
  }

  async upload(caller: Caller, patientId: string, req: UploadRequest, idempotencyKey?: string): Promise<{ created: RecordCreated; replay: boolean }> {
    const doctorId = `${this.ctx.config.hospital.mspId}/${caller.user.id}`;
    const recordId = this.recordIdFor(doctorId, patientId, idempotencyKey);
    await this.hospitalKey.ensure();

    if (idempotencyKey) {
      const existing = await this.existing(caller, recordId);
      if (existing) {
        req.body.resume();
        return { created: await this.createdOf(existing), replay: true };
      }
    }
    // Refusals (not assigned, unknown patient, no key) come before a single byte is stored.
    const holders = await caller.ledger.evaluate<KeyHolder[]>(RECORD_TX.keyHolders, [patientId]);
    for (const h of holders) {
      if (h.algorithm !== WRAP_ALGORITHM) {
        throw new CodedError('KEY_NOT_AVAILABLE', `${h.mspId}'s registered key (${h.algorithm}) cannot be used by this gateway`);
      }
    }

    const dataKey = newDataKey();
    const { stored, fields } = await this.store(req, dataKey, recordId);
    let cleanupNeeded = true;
    try {
      const category = fields.category as RecordCategory;
      if (!CATEGORIES.includes(category)) throw new CodedError('VALIDATION_FAILED', `category must be one of ${CATEGORIES.join(', ')}`);
      const remark = fields.remark ?? '';
      if (remark.length > REMARK_MAX) throw new CodedError('VALIDATION_FAILED', `remark is longer than ${REMARK_MAX} characters`);

      const request: AddRecordRequest = {
        recordId,
        patientId,
        cid: stored.cid,
        sha256: stored.sha256,
        size: stored.size,
        mediaType: stored.mediaType,
        category,
        remarkHash: createHash('sha256').update(remark, 'utf8').digest('hex'),
        wrappedKeys: holders.map((h) => ({ mspId: h.mspId, keyId: h.keyId, wrappedKey: wrapDataKey(dataKey, h.publicKeyPem, recordId) })),
      };
      let transactionId: string;
      try {
        transactionId = (await caller.ledger.submit<RecordMeta>(RECORD_TX.add, [JSON.stringify(request)])).transactionId;
      } catch (e) {
        // A concurrent retry with the same idempotency key won: answer with its record.
        if (idempotencyKey && e instanceof CodedError && e.code === 'ALREADY_EXISTS') {
          const winner = await this.existing(caller, recordId);
          if (winner) {
            await this.discard(stored.cid, recordId, 'a concurrent retry stored the record first');
            cleanupNeeded = false;
            return { created: await this.createdOf(winner), replay: true };
          }
        }
        throw e;
      }
      cleanupNeeded = false;
      return { created: { recordId, cid: stored.cid, transactionId, replicas: await this.replicas(stored.cid) }, replay: false };
    } catch (e) {
      if (cleanupNeeded) {
        const cleanup = await this.discard(stored.cid, recordId, e instanceof CodedError ? e.code : 'error');
        if (e instanceof CodedError) throw new CodedError(e.code, e.message, { ...e.details, storedFile: { cid: stored.cid, cleanup } });
      }
      throw e;
    } finally {
      dataKey.fill(0);
    }
  }

  private async existing(caller: Caller, recordId: string): Promise<RecordMeta | undefined> {
    try {
      return await caller.ledger.evaluate<RecordMeta>(RECORD_TX.metadata, [recordId]);
    } catch (e) {
      if (e instanceof CodedError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  private async createdOf(meta: RecordMeta): Promise<RecordCreated> {
    return { recordId: meta.recordId, cid: meta.cid, transactionId: meta.txId, replicas: await this.replicas(meta.cid, 0) };
  }

  /** Peers holding the pin; waits briefly for the copies the cluster is still making. */
  async replicas(cid: string, waitMs = 3000): Promise<number> {
    const want = this.ctx.config.network.ipfs.replicationFactorMax;
    const deadline = Date.now() + waitMs;
    let pinned = 0;
    for (;;) {
      try {
        pinned = await this.cluster.pinnedOn(cid);
      } catch {
        /* status unavailable: report what we saw last */
      }
      if (pinned >= want || Date.now() >= deadline) return pinned;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Removes a file the ledger will not reference; if that fails, it is recorded for cleanup. */
  private async discard(cid: string, recordId: string, reason: string): Promise<'unpinned' | 'recorded-for-cleanup'> {
    try {
      await this.cluster.unpin(cid);
      return 'unpinned';
    } catch (e) {
      const line = JSON.stringify({ at: new Date().toISOString(), cid, recordId, reason, unpinError: (e as Error).message });
      appendFileSync(join(this.ctx.config.dataDir, 'orphan-pins.jsonl'), `${line}\n`, { mode: 0o600 });
      this.ctx.log.error({ cid, recordId, reason }, 'orphan pin: unpin failed, recorded in orphan-pins.jsonl for cleanup');
      return 'recorded-for-cleanup';
    }
  }

  /** Streams the multipart body's one file into IPFS Cluster; returns it and the text fields. */
  private store(req: UploadRequest, dataKey: Buffer, recordId: string): Promise<{ stored: Stored; fields: Record<string, string> }> {
    return new Promise((resolve, reject) => {
      let failure: Error | undefined;
      let adding: Promise<Stored> | undefined;
      const fields: Record<string, string> = {};
      const abort = new AbortController();
      const fail = (e: Error) => {
        failure ??= e;
        abort.abort(e);
      };

      let bb: busboy.Busboy;
      try {
        bb = busboy({
          headers: req.headers,
          limits: { files: 1, fileSize: this.cfg.maxBytes, fields: 4, fieldSize: 8 * 1024, parts: 6 },
        });
      } catch {
        req.body.resume();
        reject(new CodedError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data.'));
        return;
      }

      bb.on('field', (name, value, info) => {
        if (info.valueTruncated) fail(new CodedError('VALIDATION_FAILED', `${name} is too long`));
        else if (name === 'category' || name === 'remark') fields[name] = value;
      });
      bb.on('file', (name, file, info) => {
        if (name !== 'file' || adding) {
          file.resume();
          fail(new CodedError('VALIDATION_FAILED', 'Send exactly one file, in the part named "file".'));
          return;
        }
        file.on('limit', () =>
          fail(new CodedError('PAYLOAD_TOO_LARGE', `The file is larger than ${this.cfg.maxBytes} bytes.`, { maxBytes: this.cfg.maxBytes })),
        );
        const gate = new MediaTypeGate((detected) => declaredTypeAgrees(info.mimeType, detected));
        const digest = new DigestStream();
        const sealed = pipeline(gate, new EncryptStream(dataKey), digest, (err) => {
          if (err) fail(err);
        });
        // Piped, not in the pipeline: busboy only finishes once each file stream ended, so on a
        // refusal the rest of the file is read away instead of destroying its stream.
        file.pipe(gate);
        abort.signal.addEventListener('abort', () => {
          file.unpipe();
          file.resume();
          sealed.destroy(abort.signal.reason as Error);
        });
        adding = Promise.resolve()
          .then(() => this.cluster.addStream(sealed, recordId, AbortSignal.any([abort.signal, AbortSignal.timeout(this.cfg.ipfsAddTimeoutMs)])))
          .then(
          (cid) => {
            if (failure) throw failure;
            return { cid, sha256: digest.digest!, size: digest.bytes, mediaType: gate.mediaType! };
          },
          (e: unknown) => {
            // Our own refusal (type, size, empty) aborted the add: report that, not the storage.
            if (failure instanceof CodedError) throw failure;
            this.ctx.log.warn({ err: (e as Error).message }, 'IPFS Cluster add failed');
            // Read the rest of the request away, so busboy finishes and the 503 is answered.
            fail(new CodedError('STORAGE_UNAVAILABLE'));
            throw failure;
          },
        );
        adding.catch(() => undefined);
      });
      bb.on('partsLimit', () => fail(new CodedError('VALIDATION_FAILED', 'Too many parts.')));
      bb.on('filesLimit', () => fail(new CodedError('VALIDATION_FAILED', 'Send exactly one file.')));
      bb.on('fieldsLimit', () => fail(new CodedError('VALIDATION_FAILED', 'Too many fields.')));
      bb.on('error', (e: Error) => fail(new CodedError('BAD_REQUEST', `Malformed multipart body: ${e.message}`)));
      bb.on('close', () => {
        if (!adding) {
          reject(failure ?? new CodedError('VALIDATION_FAILED', 'The request has no file (part "file").'));
          return;
        }
        adding.then(
          (stored) => {
            if (failure) {
              // Refused after the add finished (e.g. the size limit hit on the last chunk).
              this.discard(stored.cid, recordId, 'refused upload').finally(() => reject(failure));
            } else resolve({ stored, fields });
          },
          (e: unknown) => reject(failure ?? e),
        );
      });
      req.body.on('error', (e) => fail(e));
      req.body.on('aborted', () => fail(new CodedError('BAD_REQUEST', 'The upload was interrupted.')));
      req.body.pipe(bb);
    });
  }
}
