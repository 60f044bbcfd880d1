// Names for ledger ids (`<mspId>/<uid>`), decided here and nowhere else. The rules a hospital's
// security officer would sign:
//  - a doctor's professional identity (name, hospital, specialty) is no secret in the
//    consortium: it comes from the directory on the ledger, for any hospital's doctor;
//  - a patient's name is PHI and never leaves the patient's own hospital: this gateway names
//    only patients whose accounts it holds, and only to the patient, to this hospital's admins
//    and to a doctor the ledger shows caring for them (assigned, or holding a valid grant);
//  - everyone else gets a neutral label: which hospital, nothing more (not even the role).
import type { DoctorEntry, Grant, Hospital } from '@ehr/chaincode/api';
import type { Role, User } from '../db/models';
import type { Caller } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import type { UserLedger } from '../ledger/connection';
import { ASSIGNMENTS, DIRECTORY } from '../ledger/contract';

export interface PersonLabel {
  personId: string;
  mspId: string;
  hospitalName: string;
  name?: string;
  role?: Role;
  specialty?: string;
}

export interface DirectoryDoctor {
  doctorId: string;
  displayName: string;
  specialty?: string;
  mspId: string;
  hospitalName: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const mspOf = (id: string) => id.slice(0, id.indexOf('/'));
const uidOf = (id: string) => id.slice(id.indexOf('/') + 1);

/** Member hospitals' display names by MSP id (an unknown MSP reads as its id without "MSP"). */
export async function hospitalNames(ledger: UserLedger): Promise<(mspId: string) => string> {
  const names = new Map(
    (await ledger.evaluate<Hospital[]>(DIRECTORY.listHospitals, [])).map((h) => [
      h.mspId,
      h.displayName,
    ]),
  );
  return (mspId) => names.get(mspId) ?? mspId.replace(/MSP$/, '');
}

/** Lower case without accents, so "jose" finds "José". */
const folded = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Active doctors of the consortium whose name, specialty or hospital holds every word of `q`. */
export async function searchDoctors(
  ledger: UserLedger,
  q: string,
  mspId: string | undefined,
  limit: number,
): Promise<DirectoryDoctor[]> {
  const [hospitalName, entries] = await Promise.all([
    hospitalNames(ledger),
    ledger.evaluate<DoctorEntry[]>(DIRECTORY.listDoctors, mspId ? [mspId] : []),
  ]);
  const words = folded(q).split(/\s+/).filter(Boolean);
  return entries
    .filter((d) => d.active)
    .map((d) => ({
      doctorId: d.doctorId,
      displayName: d.displayName,
      ...(d.specialty ? { specialty: d.specialty } : {}),
      mspId: d.mspId,
      hospitalName: hospitalName(d.mspId),
    }))
    .filter((d) => {
      const text = folded(`${d.displayName} ${d.specialty ?? ''} ${d.hospitalName}`);
      return words.every((w) => text.includes(w));
    })
    .sort(
      (a, b) => a.displayName.localeCompare(b.displayName) || a.doctorId.localeCompare(b.doctorId),
    )
    .slice(0, limit);
}

/** The patients the ledger shows the calling doctor caring for: assigned, or a valid grant. */
async function patientsInCare(ledger: UserLedger): Promise<Set<string>> {
  const [assigned, grants] = await Promise.all([
    ledger.evaluate<string[]>(ASSIGNMENTS.myPatients, []),
    ledger.evaluate<Grant[]>(DIRECTORY.grantsToMe, []),
  ]);
  return new Set([...assigned, ...grants.map((g) => g.patientId)]);
}

export async function describePeople(
  ctx: GatewayContext,
  caller: Caller,
  ids: string[],
): Promise<PersonLabel[]> {
  const ours = ctx.config.hospital.mspId;
  const me = caller.user;
  const unique = [...new Set(ids)];
  const localUids = unique
    .filter((id) => mspOf(id) === ours)
    .map(uidOf)
    .filter((uid) => UUID.test(uid));
  const [hospitalName, doctors, users] = await Promise.all([
    hospitalNames(caller.ledger),
    caller.ledger.evaluate<DoctorEntry[]>(DIRECTORY.listDoctors, []),
    localUids.length
      ? ctx.db.models.User.findAll({ where: { id: localUids } })
      : Promise.resolve([] as User[]),
  ]);
  const directory = new Map(doctors.map((d) => [d.doctorId, d]));
  const accounts = new Map(users.map((u) => [`${ours}/${u.id}`, u]));
  let care: Promise<Set<string>> | undefined;
  const inCare = async (id: string) =>
    me.role === 'doctor' && (await (care ??= patientsInCare(caller.ledger))).has(id);

  const out: PersonLabel[] = [];
  for (const personId of unique) {
    const mspId = mspOf(personId);
    const label: PersonLabel = { personId, mspId, hospitalName: hospitalName(mspId) };
    const listed = directory.get(personId);
    const account = accounts.get(personId);
    if (listed) {
      Object.assign(label, {
        name: listed.displayName,
        role: 'doctor',
        ...(listed.specialty ? { specialty: listed.specialty } : {}),
      });
    } else if (account?.role === 'doctor') {
      // Not published yet (the directory sync repairs it): this hospital knows its own doctor.
      Object.assign(label, {
        name: account.fullName,
        role: 'doctor',
        ...(account.specialty ? { specialty: account.specialty } : {}),
      });
    } else if (
      account &&
      (account.id === me.id ||
        me.role === 'admin' ||
        (account.role === 'patient' && (await inCare(personId))))
    ) {
      Object.assign(label, { name: account.fullName, role: account.role });
    } else if (account && account.role !== 'patient') {
      label.role = account.role; // staff: the role tells what they did; their names are not needed
    }
    out.push(label);
  }
  return out;
}
