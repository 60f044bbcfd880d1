// What a patient's grants mean today: which are in force, and the consent matrix (records ×
// grantees, who can see what) computed from them. Plain functions, so the rules are tested
// without a page; the pipe names a grantee for people.
import { Pipe, type PipeTransform, inject } from '@angular/core';
import type { Consent } from '../api/generated/models/consent';
import type { Grantee } from '../api/generated/models/grantee';
import type { RecordMeta } from '../api/generated/models/record-meta';
import { PeopleService } from '../core/people.service';

/** A grant counts today when it is not revoked and its end (if any) is still ahead. */
export function isActive(c: Consent, now = Date.now()): boolean {
  return !c.revokedAt && (!c.notAfter || Date.parse(c.notAfter) > now);
}

export function granteeKey(g: Grantee): string {
  return g.type === 'doctor' ? `d:${g.doctorId}` : `h:${g.mspId}`;
}

export interface MatrixColumn {
  key: string;
  grantee: Grantee;
}

/** One cell per column: null = cannot see it; '' = can, without end; else the latest end (ISO). */
export interface MatrixRow {
  record: RecordMeta;
  cells: (string | null)[];
}

/** Records × grantees with a grant in force today, columns in the order grants were given. */
export function consentMatrix(
  records: RecordMeta[],
  consents: Consent[],
  now = Date.now(),
): { columns: MatrixColumn[]; rows: MatrixRow[] } {
  const active = consents.filter((c) => isActive(c, now));
  const columns = new Map<string, MatrixColumn>();
  for (const c of [...active].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    const key = granteeKey(c.grantee);
    if (!columns.has(key)) columns.set(key, { key, grantee: c.grantee });
  }
  const cell = (r: RecordMeta, key: string): string | null => {
    let best: string | null = null;
    for (const c of active) {
      if (granteeKey(c.grantee) !== key) continue;
      if (c.scope.type === 'records' && !c.scope.recordIds.includes(r.recordId)) continue;
      if (!c.notAfter) return '';
      if (best === null || c.notAfter > best) best = c.notAfter;
    }
    return best;
  };
  return {
    columns: [...columns.values()],
    rows: records.map((record) => ({
      record,
      cells: [...columns.keys()].map((key) => cell(record, key)),
    })),
  };
}

/** "Dr. Ana Lopez (Riverside University Hospital)" or "Everyone at Riverside University Hospital". */
@Pipe({ name: 'grantee', pure: false })
export class GranteePipe implements PipeTransform {
  private readonly people = inject(PeopleService);
  transform(g: Grantee): string {
    if (g.type === 'hospital') return `Everyone at ${this.people.hospitalName(g.mspId)}`;
    const name = this.people.text(g.doctorId, 'Doctor');
    const hospital = this.people.hospitalName(g.doctorId.slice(0, g.doctorId.indexOf('/')));
    // A neutral label already names the hospital.
    return this.people.label(g.doctorId)?.name ? `${name} (${hospital})` : name;
  }
}
