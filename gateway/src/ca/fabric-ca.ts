// IdentityAuthority over the hospital's real Fabric CA, through the foundation's typed client.
// The gateway acts as its own registrar identity (orgPaths(...).gatewayService), which may only
// register client identities (admin identities for hospital admins) with the attributes role,
// uid and govId, and revoke them.
import { randomBytes } from 'node:crypto';
import { CodedError } from '@ehr/common';
import {
  caClient,
  FabricCaError,
  type FabricCaClient,
  type CaIdentity,
  type Hospital,
  loadIdentity,
  type Network,
  orgPaths,
} from '@ehr/network';
import type { EnrolledIdentity, IdentityAttributes, IdentityAuthority } from './authority';

function caFailure(e: unknown): CodedError {
  if (e instanceof FabricCaError && e.unavailable) return new CodedError('CA_UNAVAILABLE');
  if (e instanceof CodedError) return e;
  return new CodedError('INTERNAL', 'The identity service refused the request.');
}

export class FabricCaAuthority implements IdentityAuthority {
  private readonly client: FabricCaClient;
  private registrarIdentity: CaIdentity | undefined;

  constructor(
    private readonly net: Network,
    private readonly hospital: Hospital,
  ) {
    this.client = caClient(net, hospital);
  }

  private registrar(): CaIdentity {
    const paths = orgPaths(this.net, this.hospital).gatewayService;
    if (!paths) throw new Error(`${this.hospital.name} has no gateway service identity`);
    this.registrarIdentity ??= loadIdentity(paths);
    return this.registrarIdentity;
  }

  async registerAndEnroll(
    enrollmentId: string,
    attrs: IdentityAttributes,
  ): Promise<EnrolledIdentity> {
    const attributes = Object.entries(attrs)
      .filter(([, v]) => v !== undefined)
      .map(([name, value]) => ({ name, value: String(value), ecert: true }));
    // A one-time secret, used at once and forgotten: only the enrolled key can act as this person.
    const secret = randomBytes(24).toString('base64url');
    try {
      await this.client.register(this.registrar(), {
        enrollmentId,
        // Hospital admins are the organisation's admins on the channel (NodeOU admin): their own
        // signatures count for its Admins policy, e.g. when they approve a new member hospital.
        type: attrs.role === 'admin' ? 'admin' : 'client',
        secret,
        maxEnrollments: 1,
        attributes,
      });
    } catch (e) {
      throw caFailure(e);
    }
    try {
      const enrolled = await this.client.enroll({
        enrollmentId,
        secret,
        attributes: attributes.map((a) => a.name),
      });
      return {
        certificate: enrolled.certificate,
        privateKeyPem: enrolled.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      };
    } catch (e) {
      await this.remove(enrollmentId).catch(() => undefined);
      throw caFailure(e);
    }
  }

  /** The CA does not allow removal (cfg.identities.allowremove false): revoke and disable. */
  async remove(enrollmentId: string): Promise<void> {
    try {
      await this.client.revoke(this.registrar(), { enrollmentId, reason: 'cessationofoperation' });
    } catch (e) {
      throw caFailure(e);
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.client.info();
      return true;
    } catch {
      return false;
    }
  }
}
