// The hospital's record-encryption key: the private half stays in the gateway's data directory
// (or the configured file); the public half is registered on the ledger by the hospital's admin
// identity, so other gateways wrap data keys for it. Registering a new key id is a rotation:
// records wrapped under an older key stay readable only while its private key is kept.
import { CodedError } from '@ehr/common';
import type { Hospital as LedgerHospital, RegisterHospitalRequest } from '@ehr/chaincode/api';
import { bootstrapAdminLedger } from '../accounts/bootstrap';
import { type HospitalKeyPair, loadOrCreateHospitalKey, WRAP_ALGORITHM } from '../crypto';
import type { GatewayContext } from '../http/context';
import { HOSPITALS } from './transactions';

export class HospitalKeyRegistration {
  readonly key: HospitalKeyPair;
  private registered: Promise<void> | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    keyFile: string,
  ) {
    this.key = loadOrCreateHospitalKey(keyFile);
  }

  /** Makes sure the ledger names this key as the hospital's current one (once per process). */
  ensure(): Promise<void> {
    this.registered ??= this.register().catch((e: unknown) => {
      this.registered = undefined; // try again on the next call
      throw e;
    });
    return this.registered;
  }

  private async register(): Promise<void> {
    const { hospital } = this.ctx.config;
    const admin = await bootstrapAdminLedger(this.ctx);
    let current: LedgerHospital | undefined;
    try {
      current = await admin.evaluate<LedgerHospital>(HOSPITALS.get, [hospital.mspId]);
    } catch (e) {
      if (!(e instanceof CodedError && e.code === 'NOT_FOUND')) throw e;
    }
    if (current?.currentKey.keyId === this.key.keyId) return;
    const request: RegisterHospitalRequest = {
      mspId: hospital.mspId,
      displayName: current?.displayName ?? hospital.displayName ?? hospital.name,
      keyId: this.key.keyId,
      algorithm: WRAP_ALGORITHM,
      publicKeyPem: this.key.publicKeyPem,
    };
    await admin.submit(HOSPITALS.register, [JSON.stringify(request)]);
    this.ctx.log.info({ keyId: this.key.keyId, rotated: Boolean(current) }, 'hospital encryption key registered on the ledger');
  }
}
