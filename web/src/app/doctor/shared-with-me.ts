// "Shared with me" for a doctor: the grants in force that name the doctor or their whole
// hospital (the gateway lists them from the ledger), one entry per patient. Plain functions, so
// the grouping and the wording are tested without a page.
import type { Consent } from '../api/generated/models/consent';
import type { GrantScope } from '../api/generated/models/grant-scope';

export interface SharedPatient {
  patientId: string;
  /** The patient's grants covering the doctor, newest first. */
  grants: Consent[];
}

/** One entry per patient, the patient who shared most recently first. */
export function sharedPatients(consents: Consent[]): SharedPatient[] {
  const byPatient = new Map<string, Consent[]>();
  const newestFirst = [...consents].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  for (const c of newestFirst) {
    const grants = byPatient.get(c.patientId);
    if (grants) grants.push(c);
    else byPatient.set(c.patientId, [c]);
  }
  return [...byPatient].map(([patientId, grants]) => ({ patientId, grants }));
}

/** "All records, including future ones" or "2 records". */
export function scopeText(scope: GrantScope): string {
  if (scope.type === 'all') return 'All records, including future ones';
  const n = scope.recordIds.length;
  return `${n} record${n === 1 ? '' : 's'}`;
}
