// Names for ledger ids (`<mspId>/<uid>`), decided here and nowhere else. The rules a hospital's
// security officer would sign:
//  - a doctor's professional identity (name, hospital, specialty) is no secret in the
//    consortium, but it is not on the ledger: the ledger's directory says which doctors exist
//    and are active; this hospital's doctors are named from its own accounts, other hospitals'
//    active doctors from what their gateways told this one (federation/name-cache.ts), and a
//    doctor without a known name gets the neutral label ("a doctor at Hospital2");
//  - a patient's name is PHI and never leaves the patient's own hospital: this gateway names
//    only patients whose accounts it holds, and only to the patient, to this hospital's admins
//    and to a doctor the ledger shows caring for them (assigned, or holding a valid grant);
//  - everyone else gets a neutral label: which hospital, nothing more (not even the role).
import type { DoctorEntry, Grant, Hospital } from '@ehr/chaincode/api';
import { isAccountId } from '../accounts/accounts';
import type { Role, User } from '../db/models';
import type { Caller } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import type { UserLedger } from '../ledger/connection';
import { ASSIGNMENTS, DIRECTORY } from '../ledger/contract';
import { professionalIdentity } from './doctor-directory';
import type { DoctorName } from './federation/name-cache';

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

/** This hospital's doctor accounts among `uids` (the ledger's entries name them by id). */
function localAccounts(ctx: GatewayContext, ids: string[]): Promise<User[]> {
  const ours = ctx.config.hospital.mspId;
  const uids = ids
    .filter((id) => mspOf(id) === ours)
    .map(uidOf)
    .filter(isAccountId);
  return uids.length
    ? ctx.db.models.User.findAll({ where: { id: uids } })
    : Promise.resolve([] as User[]);
}

/**
 * Names of the active doctors among the ledger's `entries`: this hospital's from its accounts,
 * the others' from the cache of what their gateways said. Unknown names are left out.
 */
async function activeDoctorNames(
  ctx: GatewayContext,
  entries: DoctorEntry[],
  accounts: User[],
): Promise<Map<string, DoctorName>> {
  const ours = ctx.config.hospital.mspId;
  const active = entries.filter((d) => d.active).map((d) => d.doctorId);
  const names = new Map<string, DoctorName>();
  for (const u of accounts)
    if (u.role === 'doctor') names.set(`${ours}/${u.id}`, professionalIdentity(u));
  const remote = active.filter((id) => mspOf(id) !== ours);
  if (remote.length && ctx.remoteNames)
    for (const [id, name] of await ctx.remoteNames.names(remote)) names.set(id, name);
  return names;
}

/** Active doctors of the consortium whose name, specialty or hospital holds every word of `q`. */
export async function searchDoctors(
  ctx: GatewayContext,
  ledger: UserLedger,
  q: string,
  mspId: string | undefined,
  limit: number,
): Promise<DirectoryDoctor[]> {
  const [hospitalName, listed] = await Promise.all([
    hospitalNames(ledger),
    ledger.evaluate<DoctorEntry[]>(DIRECTORY.listDoctors, mspId ? [mspId] : []),
  ]);
  const entries = listed.filter((d) => d.active);
  const names = await activeDoctorNames(
    ctx,
    entries,
    await localAccounts(
      ctx,
      entries.map((d) => d.doctorId),
    ),
  );
  const words = folded(q).split(/\s+/).filter(Boolean);
  // Found by name, so only doctors whose name is known here (the others' gateways may be down).
  return entries
    .filter((d) => names.has(d.doctorId))
    .map((d) => ({
      doctorId: d.doctorId,
      ...names.get(d.doctorId)!,
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
  const [hospitalName, doctors, users] = await Promise.all([
    hospitalNames(caller.ledger),
    caller.ledger.evaluate<DoctorEntry[]>(DIRECTORY.listDoctors, []),
    localAccounts(ctx, unique),
  ]);
  const directory = new Map(
    doctors.filter((d) => unique.includes(d.doctorId)).map((d) => [d.doctorId, d]),
  );
  const names = await activeDoctorNames(ctx, [...directory.values()], users);
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
    const known = names.get(personId);
    if (account?.role === 'doctor' || (listed && known)) {
      // This hospital's own doctor (listed or not yet), or another's active doctor named by its
      // hospital's gateway.
      const name = known ?? professionalIdentity(account!);
      Object.assign(label, {
        name: name.displayName,
        role: 'doctor',
        ...(name.specialty ? { specialty: name.specialty } : {}),
      });
    } else if (listed) {
      label.role = 'doctor'; // the ledger says so; the name is unknown here: "a doctor at …"
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
