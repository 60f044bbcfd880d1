// Upload of a record: the doctor's multipart request is streamed through the media-type gate,
// encrypted with a fresh data key in authenticated segments, hashed and added to IPFS Cluster,
// never held whole in memory. The record is written on the ledger, signed as the doctor, with the
// data key wrapped for every hospital the chaincode names as key holder.
//
// What overlaps, and what never does:
//  - the ledger's key-holder check runs while the body starts to arrive; the first byte goes to
//    IPFS only once it passed (a refusal stores nothing);
//  - the CID is computed locally as the ciphertext streams, so AddRecord is endorsed while the
//    cluster is still storing and pinning; the endorsed transaction goes to the orderer only after
//    the cluster confirmed the add with that CID (no ledger record without its file);
//  - the replica count is read while the transaction commits.
// The 201 comes once the record is committed VALID and the file is pinned. Nothing half-written:
// an IPFS failure writes nothing on the ledger; a ledger failure unpins the file (or, if the unpin
// fails too, records it for cleanup and says so in the error); a write whose commit was not
// confirmed keeps the file until the ledger says whether the record exists (orphan-pins).
import { createHash, randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import busboy from 'busboy';
import { CodedError } from '@ehr/common';
import type { AddRecordRequest, KeyHolder, RecordCategory, RecordMeta } from '@ehr/chaincode/api';
import { CidStream, type IpfsClusterClient } from '@ehr/network';
import {
  EncryptStream,
  newDataKey,
  remarkHashOf,
  remarkKeyOf,
  sealRemark,
  WRAP_ALGORITHM,
  wrapRecordKeys,
} from '../crypto';
import type { Caller } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import type { Submitted } from '../ledger/connection';
import type { HospitalKeyRegistration } from './hospital-key';
import type { OrphanPins } from './orphan-pins';
import { declaredTypeAgrees } from './media-type';
import type { RecordsConfig } from './records-config';
import { DigestStream, MediaTypeGate } from './sniff-stream';
import { RECORD_TX } from './transactions';

const CATEGORIES: readonly RecordCategory[] = ['report', 'prescription', 'imaging', 'other'];
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;
const REMARK_MAX = 2000;
/**
 * Ciphertext the encryption and hashing may run ahead of the cluster's reading: a file up to about
 * this size is sealed (its CID known, its record endorsed) while the key-holder check and the
 * cluster are still at work, instead of at the pace the cluster reads it. Larger files stream at
 * the cluster's pace with this much in hand (memory per upload stays bounded by it).
 */
const READ_AHEAD_BYTES = 2 * 1024 * 1024;

export interface RecordCreated {
  recordId: string;
  cid: string;
  transactionId: string;
  replicas: number;
}

/** Milliseconds from the start of the upload to each step (the route sends them as Server-Timing). */
export type UploadTimings = Partial<
  Record<'keyholders' | 'sealed' | 'added' | 'endorsed' | 'committed' | 'replicas', number>
>;

/** What a request brings: its headers and its body stream. */
export interface UploadRequest {
  headers: IncomingHttpHeaders;
  body: Readable;
}

/** The file as it left the encryption pipeline. */
interface Sealed {
  /** Computed locally; the cluster's answer is checked against it. */
  cid: string;
  sha256: string;
  size: number;
  mediaType: string;
  fields: Record<string, string>;
}

interface Storing {
  /** Settles once the whole file was read, checked, encrypted and hashed. */
  sealed: Promise<Sealed>;
  /** The cluster's CID, once the add (and its pin) succeeded. */
  added: Promise<string>;
}

/** The cluster stored the file under another CID than the one computed (and endorsed). */
class CidMismatch extends Error {
  constructor(readonly cid: string) {
    super(`the cluster answered CID ${cid}`);
  }
}

function checkFields(fields: Record<string, string>): void {
  if (!CATEGORIES.includes(fields.category as RecordCategory)) {
    throw new CodedError('VALIDATION_FAILED', `category must be one of ${CATEGORIES.join(', ')}`);
  }
  if ((fields.remark ?? '').length > REMARK_MAX)
    throw new CodedError('VALIDATION_FAILED', `remark is longer than ${REMARK_MAX} characters`);
}

export class RecordUploads {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly cfg: RecordsConfig,
    private readonly hospitalKey: HospitalKeyRegistration,
    private readonly clusterClient: () => IpfsClusterClient,
    private readonly orphanPins: OrphanPins,
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
      throw new CodedError(
        'VALIDATION_FAILED',
        'Idempotency-Key must be 1-128 letters, digits or . _ : -',
      );
    }
    const h = createHash('sha256')
      .update(`ehr-ledger/idempotency/v1\n${doctorId}\n${patientId}\n${idempotencyKey}`)
      .digest('hex');
    return `r-${h.slice(0, 40)}`;
  }

  async upload(
    caller: Caller,
    patientId: string,
    req: UploadRequest,
    idempotencyKey?: string,
  ): Promise<{ created: RecordCreated; replay: boolean; timings: UploadTimings }> {
    const t0 = performance.now();
    const timings: UploadTimings = {};
    const at = (step: keyof UploadTimings) => (timings[step] = Math.round(performance.now() - t0));
    const doctorId = `${this.ctx.config.hospital.mspId}/${caller.user.id}`;
    const recordId = this.recordIdFor(doctorId, patientId, idempotencyKey);
    await this.hospitalKey.ensure();

    // Refusals (not assigned, unknown patient, no usable key) come before a single byte is stored;
    // the check runs while the body starts to arrive.
    const holders = this.keyHolders(caller, patientId).finally(() => at('keyholders'));
    holders.catch(() => undefined);
    if (idempotencyKey) {
      const existing = await this.existing(caller, recordId);
      if (existing) {
        req.body.resume();
        return { created: await this.createdOf(existing), replay: true, timings };
      }
    }

    // Which cluster peers are up (how many copies to wait for) is asked while the file streams.
    const live = this.cluster.livePeers().catch(() => []);
    const dataKey = newDataKey();
    try {
      const storing = this.store(req, dataKey, recordId, holders);
      const sealed = await storing.sealed;
      at('sealed');
      const remark = this.remarkFields(sealed.fields.remark ?? '', dataKey, recordId);
      const hasRemark = remark.remark !== undefined;
      const request: AddRecordRequest = {
        recordId,
        patientId,
        cid: sealed.cid,
        sha256: sealed.sha256,
        size: sealed.size,
        mediaType: sealed.mediaType,
        category: sealed.fields.category as RecordCategory,
        ...remark,
        wrappedKeys: (await holders).map((h) => ({
          mspId: h.mspId,
          keyId: h.keyId,
          ...wrapRecordKeys(dataKey, h.publicKeyPem, recordId, hasRemark),
        })),
      };
      // The cluster is still storing: endorse now, order once it confirmed the CID endorsed.
      const added = storing.added.then((cid) => {
        at('added');
        if (cid !== sealed.cid) throw new CidMismatch(cid);
      });
      added.catch(() => undefined); // awaited by the submit (after its endorsement), not before
      const replicas = storing.added
        .then((cid) => this.replicas(cid, 15_000, live))
        .finally(() => at('replicas'));
      replicas.catch(() => undefined);
      let submitted: Submitted<RecordMeta>;
      try {
        submitted = await this.addRecord(caller, request, added);
      } catch (e) {
        const winner = await this.concurrentRetryWinner(caller, e, idempotencyKey, recordId);
        const cid = await storing.added.catch(() => undefined);
        if (winner) {
          if (cid)
            await this.orphanPins.discard(
              cid,
              recordId,
              'a concurrent retry stored the record first',
            );
          return { created: await this.createdOf(winner), replay: true, timings };
        }
        // Nothing stored (the add failed): its error says so. Stored: removed, or reported; kept
        // while the record may still commit.
        if (!cid) throw e;
        const reason = e instanceof CodedError ? e.code : 'error';
        const transactionId = (e as CodedError).details?.transactionId;
        const cleanup =
          reason === 'LEDGER_OUTCOME_UNKNOWN' && typeof transactionId === 'string'
            ? await this.orphanPins.hold(cid, recordId, transactionId, reason)
            : await this.orphanPins.discard(cid, recordId, reason);
        if (e instanceof CodedError)
          throw new CodedError(e.code, e.message, { ...e.details, storedFile: { cid, cleanup } });
        throw e;
      }
      timings.endorsed = Math.round(timings.sealed! + submitted.timings.endorse);
      at('committed');
      return {
        created: {
          recordId,
          cid: request.cid,
          transactionId: submitted.transactionId,
          replicas: await replicas,
        },
        replay: false,
        timings,
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /** Submits AddRecord once `added` settles; if the cluster chose another CID, with that one. */
  private async addRecord(
    caller: Caller,
    request: AddRecordRequest,
    added: Promise<void>,
  ): Promise<Submitted<RecordMeta>> {
    try {
      return await caller.ledger.submit<RecordMeta>(RECORD_TX.add, [JSON.stringify(request)], {
        ready: added,
      });
    } catch (e) {
      if (!(e instanceof CidMismatch)) throw e;
      // The cluster's DAG layout differs from the local one (a changed cluster default): the file
      // is stored under the cluster's CID, which the record must name. Endorsed anew, unordered before.
      this.ctx.log.warn(
        { local: request.cid, cluster: e.cid },
        'the cluster stored the file under another CID than computed locally',
      );
      request.cid = e.cid;
      return caller.ledger.submit<RecordMeta>(RECORD_TX.add, [JSON.stringify(request)]);
    }
  }

  private async keyHolders(caller: Caller, patientId: string): Promise<KeyHolder[]> {
    const holders = await caller.ledger.evaluate<KeyHolder[]>(RECORD_TX.keyHolders, [patientId]);
    for (const h of holders) {
      if (h.algorithm !== WRAP_ALGORITHM) {
        throw new CodedError(
          'KEY_NOT_AVAILABLE',
          `${h.mspId}'s registered key (${h.algorithm}) cannot be used by this gateway`,
        );
      }
      // This hospital's key as the ledger names it: another gateway process may have rotated it.
      if (h.mspId === this.ctx.config.hospital.mspId && !this.hospitalKey.knows(h.keyId)) {
        this.ctx.log.warn(
          { keyId: h.keyId },
          'the ledger names a key of this hospital that this gateway does not hold',
        );
      }
    }
    return holders;
  }

  /** The remark sealed (when there is one) and its keyed hash, both under the record's remark key. */
  private remarkFields(
    text: string,
    dataKey: Buffer,
    recordId: string,
  ): Pick<AddRecordRequest, 'remarkHash' | 'remark'> {
    const key = remarkKeyOf(dataKey, recordId);
    try {
      return {
        remarkHash: remarkHashOf(text, key),
        ...(text !== '' ? { remark: sealRemark(text, key, recordId) } : {}),
      };
    } finally {
      key.fill(0);
    }
  }

  /** With an idempotency key, a concurrent retry may have written the record first. */
  private async concurrentRetryWinner(
    caller: Caller,
    e: unknown,
    idempotencyKey: string | undefined,
    recordId: string,
  ): Promise<RecordMeta | undefined> {
    if (!idempotencyKey || !(e instanceof CodedError) || e.code !== 'ALREADY_EXISTS')
      return undefined;
    return this.existing(caller, recordId);
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
    return {
      recordId: meta.recordId,
      cid: meta.cid,
      transactionId: meta.txId,
      replicas: await this.replicas(meta.cid, 0),
    };
  }

  /**
   * Peers holding the pin. Waits for the copies the cluster is still making on the peers that are
   * up — on a busy machine the second copy can take seconds — but not for a peer that is down
   * (the replicator copies to it when it returns). The status is asked often at first (the second
   * copy usually lands within milliseconds of the add) and less often after, each ask costing the
   * cluster a round of its peers.
   */
  async replicas(cid: string, waitMs = 15_000, live?: Promise<string[]>): Promise<number> {
    const max = this.ctx.config.network.ipfs.replicationFactorMax;
    const up = waitMs > 0 ? (await (live ?? this.cluster.livePeers()).catch(() => [])).length : 0;
    const want = Math.max(1, Math.min(max < 0 ? Infinity : max, up || max));
    const deadline = Date.now() + waitMs;
    let pinned = 0;
    for (let asked = 0; ; asked++) {
      try {
        pinned = await this.cluster.pinnedOn(cid);
      } catch {
        /* status unavailable: report what we saw last */
      }
      if (pinned >= want || Date.now() >= deadline) return pinned;
      await new Promise((r) => setTimeout(r, asked < 10 ? 5 : 25));
    }
  }

  /**
   * Streams the multipart body's one file into IPFS Cluster once `cleared` (the ledger's checks)
   * resolved. `sealed` settles when the file was read and encrypted, `added` when the cluster
   * stored it; a refusal rejects both, and a file the cluster stored anyway is discarded.
   */
  private store(
    req: UploadRequest,
    dataKey: Buffer,
    recordId: string,
    cleared: Promise<unknown>,
  ): Storing {
    let failure: Error | undefined;
    let adding: Promise<string> | undefined;
    let encrypted: Promise<Omit<Sealed, 'fields'>> | undefined;
    const fields: Record<string, string> = {};
    const abort = new AbortController();
    const fail = (e: Error) => {
      failure ??= e;
      abort.abort(e);
    };
    let finish!: (e?: Error) => void;
    const finished = new Promise<void>(
      (resolve, reject) => (finish = (e) => (e ? reject(e) : resolve())),
    );

    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { files: 1, fileSize: this.cfg.maxBytes, fields: 4, fieldSize: 8 * 1024, parts: 6 },
      });
    } catch {
      req.body.resume();
      const refused = Promise.reject(
        new CodedError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data.'),
      );
      refused.catch(() => undefined);
      return { sealed: refused, added: refused };
    }

    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new CodedError('VALIDATION_FAILED', `${name} is too long`));
      else if (name === 'category' || name === 'remark') fields[name] = value;
    });
    bb.on('file', (name, file, info) => {
      if (name !== 'file' || adding) {
        file.resume();
        fail(
          new CodedError('VALIDATION_FAILED', 'Send exactly one file, in the part named "file".'),
        );
        return;
      }
      // Fields sent before the file (as the API asks) are checked before anything is stored.
      if (fields.category !== undefined) {
        try {
          checkFields(fields);
        } catch (e) {
          fail(e as Error);
        }
      }
      file.on('limit', () =>
        fail(
          new CodedError(
            'PAYLOAD_TOO_LARGE',
            `The file is larger than ${this.cfg.maxBytes} bytes.`,
            { maxBytes: this.cfg.maxBytes },
          ),
        ),
      );
      const gate = new MediaTypeGate((detected) => declaredTypeAgrees(info.mimeType, detected));
      const digest = new DigestStream();
      const cid = new CidStream({ readableHighWaterMark: READ_AHEAD_BYTES });
      const stages = [gate, new EncryptStream(dataKey), digest, cid] as const;
      const sealed = pipeline(...stages, (err) => {
        if (err) fail(err);
      });
      // A refusal destroys the stages with its reason; the pipeline reports the first error,
      // and the later ones of stages it already tore down must not be unhandled.
      for (const s of stages) s.on('error', () => undefined);
      // The CID is known once the builder took the last byte (the digest is flushed before it).
      encrypted = cid.cid.then((c) => ({
        cid: c,
        sha256: digest.digest!,
        size: digest.bytes,
        mediaType: gate.mediaType!,
      }));
      encrypted.catch(() => undefined);
      // Piped, not in the pipeline: busboy only finishes once each file stream ended, so on a
      // refusal the rest of the file is read away instead of destroying its stream.
      file.pipe(gate);
      abort.signal.addEventListener('abort', () => {
        file.unpipe();
        file.resume();
        sealed.destroy(abort.signal.reason as Error);
      });
      adding = cleared
        .then(
          () => {
            if (failure) throw failure;
            return this.cluster.addStream(
              sealed,
              recordId,
              AbortSignal.any([abort.signal, AbortSignal.timeout(this.cfg.ipfsAddTimeoutMs)]),
            );
          },
          (e: unknown) => {
            // The ledger refused before anything was stored.
            fail(e as Error);
            throw e;
          },
        )
        .then(
          (stored) => {
            if (failure) throw failure;
            return stored;
          },
          (e: unknown) => {
            // Our own refusal (type, size, empty, the ledger) aborted the add: report that.
            if (failure) throw failure;
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
    bb.on('error', (e: Error) =>
      fail(new CodedError('BAD_REQUEST', `Malformed multipart body: ${e.message}`)),
    );
    bb.on('close', () => {
      if (!adding)
        fail(
          failure ?? new CodedError('VALIDATION_FAILED', 'The request has no file (part "file").'),
        );
      else if (!failure) {
        try {
          checkFields(fields);
        } catch (e) {
          fail(e as Error);
        }
      }
      finish(failure);
    });
    req.body.on('error', (e) => fail(e));
    req.body.on('aborted', () =>
      fail(new CodedError('BAD_REQUEST', 'The upload was interrupted.')),
    );
    req.body.pipe(bb);

    const sealed = finished.then(async () => {
      const out = await encrypted!;
      if (failure) throw failure;
      return { ...out, fields };
    });
    // A refusal that comes after the cluster stored the file (e.g. the size limit hit on the last
    // chunk, a field after the file): the stored file is discarded before the refusal is answered.
    const added = Promise.allSettled([finished, sealed]).then(async () => {
      const stored = await (adding ?? Promise.reject(failure));
      if (failure) {
        await this.orphanPins.discard(stored, recordId, 'refused upload');
        throw failure;
      }
      return stored;
    });
    const refusedAfterAdd = added.catch(() => undefined);
    return {
      sealed: sealed.catch(async (e: unknown) => {
        await refusedAfterAdd; // a discard finishes before the refusal is answered
        throw e;
      }),
      added,
    };
  }
}
