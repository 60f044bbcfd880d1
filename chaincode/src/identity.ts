// Who is calling, from the submitter's certificate only: MSP id (checked by the peer against the
// channel's MSPs) and the Fabric CA attributes role, uid and, for doctors, govId. No transaction
// takes the caller's id as an argument.
import { ROLES, type PersonId, type Role } from './api';
import type { TxContext } from './context';
import { fail } from './errors';

export const MSP_ID = /^[A-Za-z][A-Za-z0-9]*MSP$/;
export const UID = /^[a-z0-9-]{1,64}$/;
export const PERSON_ID = /^([A-Za-z][A-Za-z0-9]*MSP)\/([a-z0-9-]{1,64})$/;
const GOV_ID = /^[A-Za-z0-9-]{1,64}$/;

export interface Caller {
  id: PersonId;
  mspId: string;
  uid: string;
  role: Role;
}

export function callerOf(ctx: TxContext): Caller {
  const mspId = ctx.clientIdentity.getMSPID();
  const role = ctx.clientIdentity.getAttributeValue('role');
  const uid = ctx.clientIdentity.getAttributeValue('uid');
  if (!MSP_ID.test(mspId)) fail('FORBIDDEN_ROLE', 'the submitter MSP id is not a hospital MSP id');
  if (!role || !(ROLES as readonly string[]).includes(role)) {
    fail('FORBIDDEN_ROLE', 'the certificate carries no valid role attribute');
  }
  if (!uid || !UID.test(uid))
    fail('FORBIDDEN_ROLE', 'the certificate carries no valid uid attribute');
  if (role === 'doctor') {
    const govId = ctx.clientIdentity.getAttributeValue('govId');
    if (!govId || !GOV_ID.test(govId)) {
      fail('FORBIDDEN_ROLE', 'a doctor certificate must carry a govId attribute');
    }
  }
  return { id: `${mspId}/${uid}`, mspId, uid, role: role as Role };
}

/** The hospital (MSP id) a person belongs to. */
export function mspOf(personId: PersonId): string {
  return personId.slice(0, personId.indexOf('/'));
}

export function requireRole(caller: Caller, ...roles: Role[]): void {
  if (!roles.includes(caller.role)) {
    fail('FORBIDDEN_ROLE', `role ${caller.role} may not do this`);
  }
}
