// The doctor's remark is health data: it is kept on the ledger with the record, encrypted like
// the file. Its key is derived from the record's data key (HKDF-SHA-256, its own label), so the
// gateway that writes or re-wraps a data key can also hand out the remark key — and a remark key,
// which record views unwrap without a logged read, does not open the file.
// Sealed form: base64(nonce (12) | AES-256-GCM ciphertext | tag (16)), the record id as AAD.
//
// The ledger also carries a hash of the remark. A plain SHA-256 would give a short remark away to
// anyone who can read the ledger (every member's peer): "ok" or "no change" is guessed in one
// try. So it is an HMAC under a key derived from the remark key: only those who can open the
// remark can check it.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { wrapDataKey } from './key-wrap';

const NONCE = 12;
const TAG = 16;

export class RemarkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemarkError';
  }
}

/** The remark key of a record, from its data key. */
export function remarkKeyOf(dataKey: Buffer, recordId: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', dataKey, Buffer.alloc(0), `ehr-ledger/remark/v1/${recordId}`, 32),
  );
}

/** The remark's hash on the ledger (hex): HMAC-SHA-256 under a key of its own, from the remark key. */
export function remarkHashOf(remark: string, remarkKey: Buffer): string {
  const hashKey = Buffer.from(
    hkdfSync('sha256', remarkKey, Buffer.alloc(0), 'ehr-ledger/remark-hash/v1', 32),
  );
  try {
    return createHmac('sha256', hashKey).update(remark, 'utf8').digest('hex');
  } finally {
    hashKey.fill(0);
  }
}

/** Whether `remarkHash` is this remark's. Records written before the keyed hash carry a plain SHA-256. */
export function remarkMatches(remark: string, remarkHash: string, remarkKey: Buffer): boolean {
  const given = Buffer.from(remarkHash, 'hex');
  const same = (hex: string) =>
    given.length === 32 && timingSafeEqual(given, Buffer.from(hex, 'hex'));
  return (
    same(remarkHashOf(remark, remarkKey)) ||
    same(createHash('sha256').update(remark, 'utf8').digest('hex'))
  );
}

export function sealRemark(remark: string, remarkKey: Buffer, recordId: string): string {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', remarkKey, nonce);
  c.setAAD(Buffer.from(recordId, 'utf8'));
  const body = Buffer.concat([c.update(remark, 'utf8'), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64');
}

export function openRemark(sealed: string, remarkKey: Buffer, recordId: string): string {
  const all = Buffer.from(sealed, 'base64');
  if (all.length < NONCE + TAG) throw new RemarkError('sealed remark too short');
  const d = createDecipheriv('aes-256-gcm', remarkKey, all.subarray(0, NONCE));
  d.setAAD(Buffer.from(recordId, 'utf8'));
  d.setAuthTag(all.subarray(all.length - TAG));
  try {
    return Buffer.concat([d.update(all.subarray(NONCE, all.length - TAG)), d.final()]).toString(
      'utf8',
    );
  } catch {
    throw new RemarkError('the remark failed authentication');
  }
}

/** A record's data key wrapped for one hospital key and, when it has a remark, its remark key. */
export function wrapRecordKeys(
  dataKey: Buffer,
  spkiPem: string,
  recordId: string,
  hasRemark: boolean,
): { wrappedKey: string; wrappedRemarkKey?: string } {
  const wrappedKey = wrapDataKey(dataKey, spkiPem, recordId);
  if (!hasRemark) return { wrappedKey };
  const remarkKey = remarkKeyOf(dataKey, recordId);
  try {
    return { wrappedKey, wrappedRemarkKey: wrapDataKey(remarkKey, spkiPem, recordId, 'remark') };
  } finally {
    remarkKey.fill(0);
  }
}
