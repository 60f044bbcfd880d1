// Fabric's SatisfiesPrincipal for the principal kinds a channel uses: ROLE (member, admin,
// client, peer, orderer of an MSP) and IDENTITY (exact serialized identity).
import { msp as mspProto } from '@hyperledger/fabric-protos';
import { Identity, MspError, type NodeRole } from './msp';

const Classification = mspProto.MSPPrincipal.Classification;
const RoleType = mspProto.MSPRole.MSPRoleType;

export type PrincipalRole = 'member' | NodeRole;

const ROLE_NAMES: Record<number, PrincipalRole> = {
  [RoleType.MEMBER]: 'member',
  [RoleType.ADMIN]: 'admin',
  [RoleType.CLIENT]: 'client',
  [RoleType.PEER]: 'peer',
  [RoleType.ORDERER]: 'orderer',
};

/** A principal in the form policies are written: { mspId, role }. */
export interface RolePrincipal {
  mspId: string;
  role: PrincipalRole;
}

export function roleOfPrincipal(principal: mspProto.MSPPrincipal): RolePrincipal | undefined {
  if (principal.getPrincipalClassification() !== Classification.ROLE) return undefined;
  const role = mspProto.MSPRole.deserializeBinary(principal.getPrincipal_asU8());
  const name = ROLE_NAMES[role.getRole()];
  if (!name) throw new MspError(`invalid MSP role type ${role.getRole()}`);
  return { mspId: role.getMspIdentifier(), role: name };
}

export function rolePrincipal(mspId: string, role: PrincipalRole): mspProto.MSPPrincipal {
  const r = new mspProto.MSPRole();
  r.setMspIdentifier(mspId);
  r.setRole(Number(Object.entries(ROLE_NAMES).find(([, n]) => n === role)![0]) as never);
  const p = new mspProto.MSPPrincipal();
  p.setPrincipalClassification(Classification.ROLE);
  p.setPrincipal(r.serializeBinary());
  return p;
}

/** Throws MspError unless `identity` satisfies the role principal. */
export function satisfiesRole(identity: Identity, principal: RolePrincipal): void {
  if (identity.mspId !== principal.mspId) {
    throw new MspError(
      `the identity is a member of a different MSP (expected ${principal.mspId}, got ${identity.mspId})`,
    );
  }
  identity.validate();
  switch (principal.role) {
    case 'member':
      return;
    case 'admin':
      if (!identity.msp.isAdmin(identity)) throw new MspError('This identity is not an admin');
      return;
    default:
      if (!identity.msp.nodeOUsEnabled) throw new MspError('NodeOUs not activated. Cannot tell apart identities.');
      if (!identity.msp.hasNodeRole(identity, principal.role)) {
        throw new MspError(`The identity does not contain OU [${principal.role.toUpperCase()}], MSP: [${identity.mspId}]`);
      }
  }
}

/** Whether `identity` satisfies an MSPPrincipal proto. */
export function satisfiesPrincipal(identity: Identity, principal: mspProto.MSPPrincipal): boolean {
  try {
    const cls = principal.getPrincipalClassification();
    if (cls === Classification.ROLE) {
      satisfiesRole(identity, roleOfPrincipal(principal)!);
      return true;
    }
    if (cls === Classification.IDENTITY) {
      const si = mspProto.SerializedIdentity.deserializeBinary(principal.getPrincipal_asU8());
      if (si.getMspid() !== identity.mspId) return false;
      identity.validate();
      return identity.msp.deserializeIdentityBytes(si.getIdBytes_asU8()).cert.hash === identity.cert.hash;
    }
    return false;
  } catch (err) {
    if (err instanceof MspError) return false;
    throw err;
  }
}
