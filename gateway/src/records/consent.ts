// Consent by the patient. A grant carries the data keys of the records in its scope re-wrapped
// for the grantee's hospital: this gateway reads its own wrapped copy (consent:PrepareGrant lists
// what the grantee's hospital lacks), unwraps it with the hospital's private key and wraps it to
// the grantee hospital's registered public key, all inside the one GrantAccess transaction.
import { randomUUID } from 'node:crypto';
import { CodedError } from '@ehr/common';
import type {
  Grant,
  GrantAccessRequest,
  Grantee,
  GrantScope,
  GrantWrappedKeyInput,
  KeyHolder,
} from '@ehr/chaincode/api';
import { WRAP_ALGORITHM, wrapRecordKeys } from '../crypto';
import type { Caller } from '../http/auth-guard';
import type { HospitalKeyRegistration } from './hospital-key';
import { CONSENT_TX } from './transactions';

interface PreparedGrant {
  keyHolder: KeyHolder;
  records: {
    recordId: string;
    hasRemark?: boolean;
    wrappedKeys: { keyId: string; wrappedKey: string }[];
  }[];
}

export interface ConsentRequest {
  grantee: Grantee;
  scope: GrantScope;
  access?: 'read' | 'read-write';
  notAfter?: string;
}

export class Consents {
  constructor(private readonly hospitalKey: HospitalKeyRegistration) {}

  async grant(patient: Caller, body: ConsentRequest): Promise<Grant> {
    const grantId = randomUUID();
    // A record added between PrepareGrant and GrantAccess makes the key list stale; once more.
    for (let attempt = 1; ; attempt++) {
      const prepared = await patient.ledger.evaluate<PreparedGrant>(CONSENT_TX.prepare, [
        JSON.stringify(body.grantee),
        JSON.stringify(body.scope),
      ]);
      const request: GrantAccessRequest = {
        grantId,
        grantee: body.grantee,
        scope: body.scope,
        access: body.access ?? 'read',
        ...(body.notAfter ? { notAfter: body.notAfter } : {}),
        ...this.rewrap(prepared),
      };
      try {
        return (await patient.ledger.submit<Grant>(CONSENT_TX.grant, [JSON.stringify(request)]))
          .result;
      } catch (e) {
        if (
          attempt < 2 &&
          e instanceof CodedError &&
          (e.code === 'WRAPPED_KEY_MISSING' || e.code === 'STALE_HOSPITAL_KEY')
        )
          continue;
        throw e;
      }
    }
  }

  /**
   * The grantee hospital's copies of the data keys. A record whose key this hospital cannot open
   * (its wrapped copy does not unwrap with any key held here) is declared unavailable: the grant
   * then records it, and the others are shared.
   */
  private rewrap(
    prepared: PreparedGrant,
  ): Pick<GrantAccessRequest, 'wrappedKeys' | 'keysUnavailable'> {
    const { keyHolder } = prepared;
    if (prepared.records.length && keyHolder.algorithm !== WRAP_ALGORITHM) {
      throw new CodedError(
        'KEY_NOT_AVAILABLE',
        `${keyHolder.mspId}'s registered key (${keyHolder.algorithm}) cannot be used by this gateway`,
      );
    }
    const wrappedKeys: GrantWrappedKeyInput[] = [];
    const keysUnavailable: string[] = [];
    for (const r of prepared.records) {
      let dataKey: Buffer;
      try {
        // The patient's hospital's copy, under whichever of its keys (current or retired) it was wrapped.
        dataKey = this.hospitalKey.unwrap(
          r.wrappedKeys.map((k) => ({ keyId: k.keyId, key: k.wrappedKey })),
          r.recordId,
        );
      } catch (e) {
        if (!(e instanceof CodedError && e.code === 'KEY_NOT_AVAILABLE')) throw e;
        keysUnavailable.push(r.recordId);
        continue;
      }
      try {
        wrappedKeys.push({
          recordId: r.recordId,
          keyId: keyHolder.keyId,
          ...wrapRecordKeys(dataKey, keyHolder.publicKeyPem, r.recordId, r.hasRemark === true),
        });
      } finally {
        dataKey.fill(0);
      }
    }
    return { wrappedKeys, ...(keysUnavailable.length ? { keysUnavailable } : {}) };
  }
}
