import type { Consent } from '../api/generated/models/consent';
import type { Grantee } from '../api/generated/models/grantee';

/** A grant counts today when it is not revoked and its end (if any) is still ahead. */
export function isActive(c: Consent, now = Date.now()): boolean {
  return !c.revokedAt && (!c.notAfter || Date.parse(c.notAfter) > now);
}

export function granteeLabel(g: Grantee): string {
  if (g.type === 'hospital') return `All of ${g.mspId.replace(/MSP$/, '')}`;
  const [msp, uid] = g.doctorId.split('/');
  return `Doctor ${uid?.slice(0, 8)} (${msp?.replace(/MSP$/, '')})`;
}
