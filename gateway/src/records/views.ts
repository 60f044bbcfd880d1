// Records as the API shows them. The chaincode hands a reader who may see the content (the same
// basis OpenRecord checks) their hospital's wrapped remark keys; the remark is opened here and
// returned in clear only to them. Nobody else gets the sealed remark or a key.
import type { Logger } from 'pino';
import type { RecordMeta } from '@ehr/chaincode/api';
import { openRemark, remarkMatches } from '../crypto';
import type { HospitalKeyRegistration } from './hospital-key';

/** A record's metadata, with the doctor's remark in clear when the caller may read it. */
export type RecordView = Omit<RecordMeta, 'remark' | 'remarkKeys'> & { remark?: string };

export class RecordViews {
  constructor(
    private readonly hospitalKey: HospitalKeyRegistration,
    private readonly log: Logger,
  ) {}

  present(record: RecordMeta): RecordView {
    const { remark, remarkKeys, ...meta } = record;
    if (remark === undefined || !remarkKeys?.length) return meta;
    try {
      const key = this.hospitalKey.unwrap(
        remarkKeys.map((k) => ({ keyId: k.keyId, key: k.wrappedRemarkKey })),
        record.recordId,
        'remark',
      );
      try {
        const text = openRemark(remark, key, record.recordId);
        if (!remarkMatches(text, record.remarkHash, key))
          throw new Error('the remark does not match its hash on the ledger');
        return { ...meta, remark: text };
      } finally {
        key.fill(0);
      }
    } catch (e) {
      // Shown without its remark rather than not at all (e.g. wrapped only under a key this
      // hospital no longer holds).
      this.log.warn(
        { recordId: record.recordId, err: (e as Error).message },
        'the remark of a record could not be opened',
      );
      return meta;
    }
  }
}
