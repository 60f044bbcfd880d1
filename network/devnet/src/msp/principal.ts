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

/**
 * Why `identity` does not satisfy the role principal (Fabric's message), or undefined when it
 * does. Non-throwing: policies evaluate principals on every proposal.
 */
export function roleMismatch(identity: Identity, principal: RolePrincipal): string | undefined {
  if (identity.mspId !== principal.mspId) {
    return `the identity is a member of a different MSP (expected ${principal.mspId}, got ${identity.mspId})`;
  }
  if (!identity.isValid()) return 'the identity is not valid';
  switch (principal.role) {
    case 'member':
      return undefined;
    case 'admin':
      return identity.msp.isAdmin(identity) ? undefined : 'This identity is not an admin';
    default:
      if (!identity.msp.nodeOUsEnabled)
        return 'NodeOUs not activated. Cannot tell apart identities.';
      return identity.msp.hasNodeRole(identity, principal.role)
        ? undefined
        : `The identity does not contain OU [${principal.role.toUpperCase()}], MSP: [${identity.mspId}]`;
  }
}

/** Throws MspError unless `identity` satisfies the role principal. */
export function satisfiesRole(identity: Identity, principal: RolePrincipal): void {
  if (identity.mspId === principal.mspId) identity.validate(); // the validation error says why
  const reason = roleMismatch(identity, principal);
  if (reason) throw new MspError(reason);
}

/** Parsed principals (policies hold the same MSPPrincipal objects for their lifetime). */
const parsedPrincipals = new WeakMap<
  mspProto.MSPPrincipal,
  RolePrincipal | mspProto.SerializedIdentity | null
>();

function parsed(
  principal: mspProto.MSPPrincipal,
): RolePrincipal | mspProto.SerializedIdentity | null {
  let p = parsedPrincipals.get(principal);
  if (p === undefined) {
    const cls = principal.getPrincipalClassification();
    try {
      p =
        cls === Classification.ROLE
          ? roleOfPrincipal(principal)!
          : cls === Classification.IDENTITY
            ? mspProto.SerializedIdentity.deserializeBinary(principal.getPrincipal_asU8())
            : null;
    } catch {
      p = null;
    }
    parsedPrincipals.set(principal, p);
  }
  return p;
}

/** Whether `identity` satisfies an MSPPrincipal proto (ROLE or IDENTITY). */
export function satisfiesPrincipal(identity: Identity, principal: mspProto.MSPPrincipal): boolean {
  const p = parsed(principal);
  if (p === null) return false;
  if (p instanceof mspProto.SerializedIdentity) {
    if (p.getMspid() !== identity.mspId || !identity.isValid()) return false;
    try {
      return (
        identity.msp.deserializeIdentityBytes(p.getIdBytes_asU8()).cert.hash === identity.cert.hash
      );
    } catch {
      return false;
    }
  }
  return roleMismatch(identity, p) === undefined;
}
