// Record metadata. The file itself is encrypted off-ledger (IPFS); the ledger holds its CID,
// the SHA-256 of the ciphertext and its data key wrapped for each hospital that may decrypt it.
import { EhrContract } from './base';
import { z } from 'zod';
import {
  CONTRACTS,
  RECORD_CATEGORIES,
  type KeyHolder,
  type RecordMeta,
  type RemarkKey,
  type WrappedKey,
} from '../api';
import { keyHolderMsps, readBasis, wrappedKeysOf, writeBasis } from '../authz';
import { emit, txTime, type TxContext } from '../context';
import { ChaincodeError, fail } from '../errors';
import { type Caller, callerOf, mspOf, requireRole } from '../identity';
import { canonicalJson } from '../json';
import { hospitalOf, requireMember } from '../members';
import { KEY, get, mark, put, scanKeys } from '../state';
import {
  BASE64_BLOB,
  CID,
  ID,
  MEDIA_TYPE,
  MSP,
  PERSON,
  SHA256_HEX,
  check,
  jsonArg,
  positional,
} from '../validate';

/** Largest ciphertext the ledger accepts a record for (the gateway enforces its own limit). */
const MAX_RECORD_BYTES = 10 * 1024 ** 3;
/** A sealed remark: 2,000 characters of up to 4 UTF-8 bytes, a nonce and a tag, in base64. */
const SEALED_REMARK = BASE64_BLOB.max(11_000);

const AddRecordRequest = z
  .object({
    recordId: ID,
    patientId: PERSON,
    cid: CID,
    sha256: SHA256_HEX,
    size: z.number().int().min(1).max(MAX_RECORD_BYTES),
    mediaType: MEDIA_TYPE,
    category: z.enum(RECORD_CATEGORIES),
    remarkHash: SHA256_HEX,
    remark: SEALED_REMARK.optional(),
    wrappedKeys: z
      .array(
        z
          .object({
            mspId: MSP,
            keyId: ID,
            wrappedKey: BASE64_BLOB,
            wrappedRemarkKey: BASE64_BLOB.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(16),
  })
  .strict();

/** The fields a retry of the same upload repeats exactly (wrapped keys and the sealed remark
 *  are re-randomised; remarkHash stands for the remark). */
const IDEMPOTENT_FIELDS = [
  'patientId',
  'authorId',
  'cid',
  'sha256',
  'size',
  'mediaType',
  'category',
  'remarkHash',
] as const;

/** A wrapped remark key is given exactly for a record that has a remark. */
export function checkRemarkKey(
  hasRemark: boolean,
  wrappedRemarkKey: string | undefined,
  what: string,
): void {
  if (hasRemark && wrappedRemarkKey === undefined)
    fail('WRAPPED_KEY_MISSING', `${what} needs the remark key wrapped too (wrappedRemarkKey)`);
  if (!hasRemark && wrappedRemarkKey !== undefined)
    fail('WRAPPED_KEY_UNEXPECTED', `${what} has no remark: no wrappedRemarkKey`);
}

/** A record as a reader sees it: with the reader hospital's remark keys when they may read the
 *  content (the same basis OpenRecord needs), never for auditors. */
async function recordView(
  ctx: TxContext,
  caller: Caller,
  record: RecordMeta,
  contentReader: boolean,
): Promise<RecordMeta> {
  if (!contentReader || record.remark === undefined) return record;
  const remarkKeys: RemarkKey[] = [];
  for (const { value } of await wrappedKeysOf(ctx, record.recordId, caller.mspId)) {
    if (value.wrappedRemarkKey !== undefined)
      remarkKeys.push({ keyId: value.keyId, wrappedRemarkKey: value.wrappedRemarkKey });
  }
  return { ...record, remarkKeys };
}

export async function recordOf(ctx: TxContext, recordId: string): Promise<RecordMeta> {
  const record = await get<RecordMeta>(ctx, KEY.record, [recordId]);
  if (!record) fail('NOT_FOUND', `record ${recordId} does not exist`);
  return record;
}

export async function recordsOfPatient(ctx: TxContext, patientId: string): Promise<RecordMeta[]> {
  const out: RecordMeta[] = [];
  for (const [, , recordId] of await scanKeys(ctx, KEY.recordByPatient, [patientId])) {
    const record = await get<RecordMeta>(ctx, KEY.record, [recordId!]);
    if (record) out.push(record);
  }
  return out;
}

/** Key holders with their hospitals' current public keys. */
export async function keyHolders(ctx: TxContext, msps: string[]): Promise<KeyHolder[]> {
  const out: KeyHolder[] = [];
  for (const mspId of msps) {
    const h = await hospitalOf(ctx, mspId);
    if (!h) fail('HOSPITAL_NOT_REGISTERED', `${mspId} is not a registered hospital`);
    const { keyId, algorithm, publicKeyPem } = h.currentKey;
    out.push({ mspId, keyId, algorithm, publicKeyPem });
  }
  return out;
}

/** Metadata readers: the patient, auditors of the patient's or the author's hospital, and
 *  doctors who may read the record. Admins never. */
async function mayReadMetadata(
  ctx: TxContext,
  caller: Caller,
  record: RecordMeta,
  now: string,
): Promise<boolean> {
  if (caller.role === 'auditor')
    return caller.mspId === mspOf(record.patientId) || caller.mspId === record.authorMsp;
  try {
    await readBasis(ctx, caller, record, now);
    return true;
  } catch (e) {
    if (e instanceof ChaincodeError && e.code !== 'FORBIDDEN_ROLE' && e.code !== 'INTERNAL')
      return false;
    throw e;
  }
}

export class RecordsContract extends EhrContract {
  constructor() {
    super(CONTRACTS.records);
  }

  /** Adds a record's metadata; idempotent on recordId (a retried upload returns the record). */
  async AddRecord(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'doctor');
    await requireMember(ctx, caller);
    const { request } = positional(args, { required: ['request'] });
    const req = jsonArg(AddRecordRequest, request, 'request');
    const now = txTime(ctx);
    await writeBasis(ctx, caller, req.patientId, now);

    const existing = await get<RecordMeta>(ctx, KEY.record, [req.recordId]);
    if (existing) {
      const retry = { ...req, authorId: caller.id };
      if (IDEMPOTENT_FIELDS.every((f) => existing[f] === retry[f])) return canonicalJson(existing);
      fail('ALREADY_EXISTS', `record ${req.recordId} already exists with other content`);
    }

    const holders = await keyHolders(
      ctx,
      await keyHolderMsps(ctx, req.patientId, caller.mspId, now),
    );
    const given = new Map<string, (typeof req.wrappedKeys)[number]>();
    for (const w of req.wrappedKeys) {
      if (given.has(w.mspId))
        fail('INVALID_ARGUMENT', `request.wrappedKeys names ${w.mspId} twice`);
      if (!holders.some((h) => h.mspId === w.mspId)) {
        fail('WRAPPED_KEY_UNEXPECTED', `${w.mspId} must not receive this record's data key`);
      }
      given.set(w.mspId, w);
    }
    for (const h of holders) {
      const w = given.get(h.mspId);
      if (!w) fail('WRAPPED_KEY_MISSING', `request.wrappedKeys needs a key wrapped for ${h.mspId}`);
      if (w.keyId !== h.keyId)
        fail('STALE_HOSPITAL_KEY', `${h.mspId}'s current key is ${h.keyId}, not ${w.keyId}`);
      checkRemarkKey(
        req.remark !== undefined,
        w.wrappedRemarkKey,
        `request.wrappedKeys (${h.mspId})`,
      );
    }

    const record: RecordMeta = {
      recordId: req.recordId,
      patientId: req.patientId,
      authorId: caller.id,
      authorMsp: caller.mspId,
      cid: req.cid,
      sha256: req.sha256,
      size: req.size,
      mediaType: req.mediaType,
      category: req.category,
      remarkHash: req.remarkHash,
      ...(req.remark !== undefined ? { remark: req.remark } : {}),
      createdAt: now,
      txId: ctx.stub.getTxID(),
    };
    await put(ctx, KEY.record, [record.recordId], record);
    await mark(ctx, KEY.recordByPatient, [record.patientId, now, record.recordId]);
    await mark(ctx, KEY.recordByAuthorMsp, [record.authorMsp, record.recordId]);
    for (const h of holders) {
      const w = given.get(h.mspId)!;
      const wrapped: WrappedKey = {
        recordId: record.recordId,
        mspId: h.mspId,
        keyId: w.keyId,
        wrappedKey: w.wrappedKey,
        ...(w.wrappedRemarkKey !== undefined ? { wrappedRemarkKey: w.wrappedRemarkKey } : {}),
        addedAt: now,
        addedBy: caller.id,
        source: 'author',
      };
      await put(ctx, KEY.wrappedKey, [record.recordId, h.mspId, w.keyId], wrapped);
    }
    emit(ctx, 'RecordAdded', {
      recordId: record.recordId,
      patientId: record.patientId,
      authorMsp: record.authorMsp,
    });
    return canonicalJson(record);
  }

  /** For a doctor about to upload: which hospitals need the data key, with their public keys. */
  async GetKeyHolders(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'doctor');
    await requireMember(ctx, caller);
    const { patientId } = positional(args, { required: ['patientId'] });
    const patient = check(PERSON, patientId, 'patientId');
    const now = txTime(ctx);
    await writeBasis(ctx, caller, patient, now);
    return canonicalJson(
      await keyHolders(ctx, await keyHolderMsps(ctx, patient, caller.mspId, now)),
    );
  }

  /** Metadata (hashes, CID, category), never data keys; not a logged read of the content.
   *  A caller who may read the content also gets their hospital's wrapped remark keys. */
  async GetRecordMetadata(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'patient', 'doctor', 'auditor');
    await requireMember(ctx, caller);
    const { recordId } = positional(args, { required: ['recordId'] });
    const record = await recordOf(ctx, check(ID, recordId, 'recordId'));
    if (caller.role === 'auditor') {
      if (!(await mayReadMetadata(ctx, caller, record, txTime(ctx))))
        fail('ACCESS_DENIED', 'not a record of your hospital');
    } else {
      await readBasis(ctx, caller, record, txTime(ctx));
    }
    return canonicalJson(await recordView(ctx, caller, record, caller.role !== 'auditor'));
  }

  /** The patient's records the caller may see, oldest first. */
  async ListRecords(ctx: TxContext, ...args: string[]): Promise<string> {
    const caller = callerOf(ctx);
    requireRole(caller, 'patient', 'doctor', 'auditor');
    await requireMember(ctx, caller);
    const { patientId } = positional(args, { required: ['patientId'] });
    const patient = check(PERSON, patientId, 'patientId');
    if (caller.role === 'patient' && caller.id !== patient)
      fail('ACCESS_DENIED', 'not your records');
    if (caller.role === 'auditor' && caller.mspId !== mspOf(patient)) {
      fail('ACCESS_DENIED', 'not a patient of your hospital');
    }
    const now = txTime(ctx);
    const visible: RecordMeta[] = [];
    for (const record of await recordsOfPatient(ctx, patient)) {
      if (await mayReadMetadata(ctx, caller, record, now))
        visible.push(await recordView(ctx, caller, record, caller.role !== 'auditor'));
    }
    return canonicalJson(visible);
  }
}
