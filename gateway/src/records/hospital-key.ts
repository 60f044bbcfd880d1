// The hospital's record-encryption keys: the private halves stay in the gateway's data directory
// (or the configured files); the public half of the current key is registered on the ledger by
// the hospital's admin identity, so other gateways wrap data keys for it. Registering a new key
// id is a rotation: records wrapped under an older key stay readable because its private key is
// kept among the retired keys (one PKCS#8 PEM file each, any name ending in .pem), never on the
// ledger. A rotation: move the current key file into the retired folder and start the gateway
// (it makes a new key and registers it); the hospital's other gateway processes pick the new key
// up from the files the first time the ledger names a key id they do not hold.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { CodedError } from '@ehr/common';
import type { Hospital as LedgerHospital, RegisterHospitalRequest } from '@ehr/chaincode/api';
import { bootstrapAdminLedger } from '../accounts/bootstrap';
import {
  type HospitalKeyPair,
  KeyWrapError,
  loadOrCreateHospitalKey,
  loadHospitalKey,
  unwrapDataKey,
  WRAP_ALGORITHM,
  type WrappedKeyPurpose,
} from '../crypto';
import type { GatewayContext } from '../http/context';
import { HOSPITALS } from './transactions';

/** Re-reading the key files when an unknown key id shows up happens at most this often. */
const RELOAD_EVERY_MS = 5000;

export class HospitalKeyRegistration {
  key!: HospitalKeyPair;
  private retired = new Map<string, KeyObject>();
  private registered: Promise<void> | undefined;
  private loadedAt = 0;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly keyFile: string,
    private readonly retiredDir: string,
  ) {
    this.load();
  }

  private load(): void {
    const previous = this.key?.keyId;
    this.key = loadOrCreateHospitalKey(this.keyFile);
    const retired = new Map<string, KeyObject>();
    if (existsSync(this.retiredDir)) {
      for (const name of readdirSync(this.retiredDir)
        .filter((n) => n.endsWith('.pem'))
        .sort()) {
        const k = loadHospitalKey(join(this.retiredDir, name));
        if (k.keyId !== this.key.keyId) retired.set(k.keyId, k.privateKey);
      }
    }
    this.retired = retired;
    this.loadedAt = Date.now();
    if (previous && previous !== this.key.keyId) {
      this.registered = undefined; // the new current key is registered on next use
      this.ctx.log.info(
        { keyId: this.key.keyId, retired: [...retired.keys()] },
        'hospital key files re-read: the current key changed',
      );
    }
  }

  /** Key ids this gateway can open: the current one first, then the retired ones. */
  keyIds(): string[] {
    return [this.key.keyId, ...this.retired.keys()];
  }

  private privateKey(keyId: string): KeyObject | undefined {
    return keyId === this.key.keyId ? this.key.privateKey : this.retired.get(keyId);
  }

  /**
   * The ledger names `keyId` as a key of this hospital: if this process does not hold it, the
   * key files are read again (another gateway process of the hospital may have rotated).
   */
  knows(keyId: string): boolean {
    if (this.privateKey(keyId)) return true;
    if (Date.now() - this.loadedAt >= RELOAD_EVERY_MS) this.load();
    return this.privateKey(keyId) !== undefined;
  }

  /**
   * Opens the first of a record's wrapped keys (for this hospital, one per key id it was wrapped
   * under) whose private key this gateway holds; KEY_NOT_AVAILABLE when none opens.
   */
  unwrap(
    wrapped: { keyId: string; key: string }[],
    recordId: string,
    purpose: WrappedKeyPurpose = 'record',
  ): Buffer {
    const usable = wrapped.filter((w) => this.knows(w.keyId));
    if (usable.length === 0) {
      throw new CodedError(
        'KEY_NOT_AVAILABLE',
        'No data key of this record is wrapped for a key this hospital holds.',
        {
          wrappedFor: wrapped.map((w) => w.keyId),
        },
      );
    }
    for (const w of usable) {
      try {
        return unwrapDataKey(w.key, this.privateKey(w.keyId)!, recordId, purpose);
      } catch (e) {
        if (!(e instanceof KeyWrapError)) throw e;
      }
    }
    throw new CodedError(
      'KEY_NOT_AVAILABLE',
      'The wrapped data key does not open with this hospital’s keys.',
    );
  }

  /** Makes sure the ledger names this key as the hospital's current one (once per key). */
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
    // Another process of this hospital may have rotated: the files say which key is current.
    if (current) this.knows(current.currentKey.keyId);
    const key = this.key;
    if (current?.currentKey.keyId === key.keyId) return;
    const request: RegisterHospitalRequest = {
      mspId: hospital.mspId,
      displayName: current?.displayName ?? hospital.displayName ?? hospital.name,
      keyId: key.keyId,
      algorithm: WRAP_ALGORITHM,
      publicKeyPem: key.publicKeyPem,
    };
    await admin.submit(HOSPITALS.register, [JSON.stringify(request)]);
    this.ctx.log.info(
      { keyId: key.keyId, rotated: Boolean(current) },
      'hospital encryption key registered on the ledger',
    );
  }
}
