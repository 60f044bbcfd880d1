// The authorization rules as data: every transaction × every kind of caller, with the expected
// outcome. The unit tests run it against the in-memory ledger; the integration suite
// (test/chaincode/) runs the same table through the Fabric Gateway client against devnet or
// real Fabric with CA-enrolled identities; the README's table is printed from it.
// Hospital A is the patient's hospital, hospital B the other one.
import { common, msp as mspProto, peer as peerProto } from '@hyperledger/fabric-protos';
import type { KeyAlgorithm } from './api';

export const ACTORS = {
  patientSelf: { label: 'patient (self)', hospital: 'A', role: 'patient' },
  otherPatient: { label: 'other patient, same hospital', hospital: 'A', role: 'patient' },
  patientB: { label: 'patient at hospital B', hospital: 'B', role: 'patient' },
  assignedDoctor: { label: 'assigned doctor', hospital: 'A', role: 'doctor' },
  unassignedDoctor: { label: 'unassigned doctor, same hospital', hospital: 'A', role: 'doctor' },
  doctorBNoGrant: { label: 'doctor at B, no grant', hospital: 'B', role: 'doctor' },
  doctorBGrant: { label: 'doctor at B, valid grant', hospital: 'B', role: 'doctor' },
  doctorBExpired: { label: 'doctor at B, expired grant', hospital: 'B', role: 'doctor' },
  doctorBRevoked: { label: 'doctor at B, revoked grant', hospital: 'B', role: 'doctor' },
  adminA: { label: 'admin of A', hospital: 'A', role: 'admin' },
  adminB: { label: 'admin of B', hospital: 'B', role: 'admin' },
  auditorA: { label: 'auditor of A', hospital: 'A', role: 'auditor' },
  auditorB: { label: 'auditor of B', hospital: 'B', role: 'auditor' },
  noRole: { label: 'certificate without role/uid', hospital: 'A', role: null },
} as const;
export type Actor = keyof typeof ACTORS;
export const ACTOR_NAMES = Object.keys(ACTORS) as Actor[];

export type Outcome = { ok: true; result: unknown } | { ok: false; code: string };

export interface HospitalKeyInput {
  keyId: string;
  algorithm: KeyAlgorithm;
  publicKeyPem: string;
}

/** How the table reaches a ledger: in memory (unit) or through the Fabric Gateway (integration). */
export interface MatrixDriver {
  /** MSP ids of hospital A (the patient's) and hospital B. */
  msp: { A: string; B: string };
  /** Each hospital's encryption key, used to register it if it is not registered yet. */
  hospitalKey: { A: HospitalKeyInput; B: HospitalKeyInput };
  /**
   * Hospital A's display name, when the ledger is shared with other tests (a real stack): the
   * table's re-registration of A keeps it, instead of renaming the hospital for everyone else.
   */
  displayNameA?: string;
  /** Unique per run, so a persistent ledger can run the table again. */
  runId: string;
  /** `<msp>/<uid>` of an actor. */
  personId(actor: Exclude<Actor, 'noRole'>): string;
  invoke(actor: Actor, fn: string, args: string[]): Promise<Outcome>;
  /** The time (ms) the ledger will stamp on the next transaction. */
  now(): number;
  /** Lets ledger time pass (advances a test clock, or waits). */
  waitUntil(millis: number): Promise<void>;
  /** How far ahead the expiring grant's not-after is set. */
  expiryDelayMillis: number;
}

export interface Scenario {
  run: string;
  recordId: string;
  grantToDoctorB: string;
  revocableGrant: string;
  /** A doctor of A who is no actor: assignments and grants that must not change any actor. */
  extraDoctorA: string;
  patientSelf: string;
  otherPatient: string;
  /** Membership proposals made by admin A: one to decide on, one to withdraw. */
  memberProposal: string;
  withdrawableProposal: string;
}

const REASON = 'Unconscious on arrival, no other record access possible';
const fakeWrap = (label: string) => Buffer.from(`wrapped-key:${label}`).toString('base64');
const sha = (n: string) => n.repeat(64).slice(0, 64);
/** A valid CIDv1 (raw, sha2-256) whose digest bytes are all `byte`. */
function fakeCid(byte: number): string {
  const bytes = [0x01, 0x55, 0x12, 0x20, ...new Array<number>(32).fill(byte & 0xff)];
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = 'b';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = ((buffer << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

async function must(
  d: MatrixDriver,
  actor: Actor,
  fn: string,
  args: string[],
  tolerate: string[] = [],
): Promise<unknown> {
  const o = await d.invoke(actor, fn, args);
  if (o.ok) return o.result;
  if (tolerate.includes(o.code)) return undefined;
  throw new Error(`scenario step ${fn} as ${actor} failed: ${o.code}`);
}

function addRecordArgs(d: MatrixDriver, s: Scenario, recordId: string, keyIdA: string): string[] {
  return [
    JSON.stringify({
      recordId,
      patientId: s.patientSelf,
      cid: fakeCid(recordId.length),
      sha256: sha('a'),
      size: 2048,
      mediaType: 'application/pdf',
      category: 'report',
      remarkHash: sha('b'),
      wrappedKeys: [{ mspId: d.msp.A, keyId: keyIdA, wrappedKey: fakeWrap(recordId) }],
    }),
  ];
}

/** A candidate's CA root certificate for the membership rows (public test material, no key). */
export const CANDIDATE_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBxDCCAWugAwIBAgIUOVHQn09wtRz+ht2GxNMSEZ2dVDMwCgYIKoZIzj0EAwIw
NzEaMBgGA1UEAwwRY2EubWF0cml4LmV4YW1wbGUxGTAXBgNVBAoMEE1hdHJpeCBD
YW5kaWRhdGUwIBcNMjYxMTI0MjM0NzA0WhgPMjEyNjEwMzEyMzQ3MDRaMDcxGjAY
BgNVBAMMEWNhLm1hdHJpeC5leGFtcGxlMRkwFwYDVQQKDBBNYXRyaXggQ2FuZGlk
YXRlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXitJ3Aexgrh7MCD3dYKhC7Xi
pQLicCHeva5zojUmnD6yvnS63fy7cEBhqrr18XF+tIWPcZ9nI7gvUixnLltcWKNT
MFEwHQYDVR0OBBYEFLSazqEwxGfcdUj32FkCF5nFnAVPMB8GA1UdIwQYMBaAFLSa
zqEwxGfcdUj32FkCF5nFnAVPMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
RwAwRAIgWeNQWwz41RK54/AXo4QGJP/FDnwrF7EGZF5RBttaJwsCIBTphT3Yv7H/
Z2xBno5X68H8icsu3TfHO6QWz6SMsOCe
-----END CERTIFICATE-----
`;
export const CANDIDATE_PEER = 'peer0.candidate.example:7051';

/**
 * A ConfigUpdate adding organisation `mspId` (its MSP with the CA above, an anchor peer): the
 * shape the chaincode checks. Its versions are made up: the orderer, not the chaincode, checks
 * them against the channel (the membership integration test uses real ones).
 */
export function sampleOrgAdditionUpdate(channelId: string, mspId: string): string {
  const fabricMsp = new mspProto.FabricMSPConfig();
  fabricMsp.setName(mspId);
  fabricMsp.setRootCertsList([Buffer.from(CANDIDATE_CA_PEM)]);
  fabricMsp.setTlsRootCertsList([Buffer.from(CANDIDATE_CA_PEM)]);
  const mspConfig = new mspProto.MSPConfig();
  mspConfig.setConfig(fabricMsp.serializeBinary());
  const value = (bytes: Uint8Array) => {
    const v = new common.ConfigValue();
    v.setValue(bytes);
    v.setModPolicy('Admins');
    return v;
  };
  const anchor = new peerProto.AnchorPeer();
  const [host, port] = CANDIDATE_PEER.split(':');
  anchor.setHost(host!);
  anchor.setPort(Number(port));
  const anchors = new peerProto.AnchorPeers();
  anchors.setAnchorPeersList([anchor]);
  const org = new common.ConfigGroup();
  org.getValuesMap().set('MSP', value(mspConfig.serializeBinary()));
  org.getValuesMap().set('AnchorPeers', value(anchors.serializeBinary()));
  org.setModPolicy('Admins');
  const app = (version: number) => {
    const g = new common.ConfigGroup();
    g.setVersion(version);
    g.setModPolicy('Admins');
    return g;
  };
  const readRoot = new common.ConfigGroup();
  readRoot.getGroupsMap().set('Application', app(1));
  const writeApp = app(2);
  writeApp.getGroupsMap().set(mspId.replace(/MSP$/, ''), org);
  const writeRoot = new common.ConfigGroup();
  writeRoot.getGroupsMap().set('Application', writeApp);
  const update = new common.ConfigUpdate();
  update.setChannelId(channelId);
  update.setReadSet(readRoot);
  update.setWriteSet(writeRoot);
  return Buffer.from(update.serializeBinary()).toString('base64');
}

/** hospitals:ProposeMember's request for a made-up candidate MSP (unique per run and label). */
export function sampleProposal(d: MatrixDriver, proposalId: string, label: string): string {
  const mspId = `Run${`${d.runId}${label}`.replace(/[^A-Za-z0-9]/g, '')}MSP`;
  return JSON.stringify({
    proposalId,
    mspId,
    displayName: `Candidate ${label}`,
    caRootCertPem: CANDIDATE_CA_PEM,
    peerEndpoint: CANDIDATE_PEER,
    encryptionKey: { ...d.hospitalKey.B, keyId: `${proposalId}-k` },
    configUpdate: sampleOrgAdditionUpdate('ehr', mspId),
    expiresAt: new Date(d.now() + 24 * 60 * 60 * 1000).toISOString(),
  });
}

/** Registers both hospitals if needed, assigns, adds a record and sets up the four grants. */
export async function prepareScenario(d: MatrixDriver): Promise<Scenario> {
  const run = d.runId;
  for (const h of ['A', 'B'] as const) {
    const exists = await d.invoke(h === 'A' ? 'adminA' : 'adminB', 'hospitals:GetHospital', [
      d.msp[h],
    ]);
    if (!exists.ok) {
      const k = d.hospitalKey[h];
      await must(d, h === 'A' ? 'adminA' : 'adminB', 'hospitals:RegisterHospital', [
        JSON.stringify({ mspId: d.msp[h], displayName: `Hospital ${h}`, ...k }),
      ]);
    }
  }
  const keyOf = async (h: 'A' | 'B') =>
    (
      (await must(d, 'adminA', 'hospitals:GetHospital', [d.msp[h]])) as {
        currentKey: { keyId: string };
      }
    ).currentKey.keyId;
  const keyA = await keyOf('A');
  const keyB = await keyOf('B');
  const s: Scenario = {
    run,
    recordId: `${run}-rec`,
    grantToDoctorB: `${run}-g-valid`,
    revocableGrant: `${run}-g-revocable`,
    extraDoctorA: `${d.msp.A}/${run}-extra-doctor`,
    patientSelf: d.personId('patientSelf'),
    otherPatient: d.personId('otherPatient'),
    memberProposal: `${run}-mp-decide`,
    withdrawableProposal: `${run}-mp-withdraw`,
  };
  await must(d, 'adminA', 'hospitals:ProposeMember', [
    sampleProposal(d, s.memberProposal, 'decide'),
  ]);
  await must(d, 'adminA', 'hospitals:ProposeMember', [
    sampleProposal(d, s.withdrawableProposal, 'withdraw'),
  ]);
  // One proposal for each admin to reject: a rejection may close a proposal, depending on how
  // many members there are (another suite may have admitted a third hospital meanwhile).
  for (const actor of ['adminA', 'adminB'] as const)
    await must(d, 'adminA', 'hospitals:ProposeMember', [
      sampleProposal(d, `${run}-mp-rej-${actor}`, `rej${actor}`),
    ]);
  await must(
    d,
    'adminA',
    'assignments:AssignDoctor',
    [s.patientSelf, d.personId('assignedDoctor')],
    ['ALREADY_EXISTS'],
  );
  await must(d, 'assignedDoctor', 'records:AddRecord', addRecordArgs(d, s, s.recordId, keyA));
  const grant = (grantId: string, doctorId: string, extra: object = {}) =>
    must(d, 'patientSelf', 'consent:GrantAccess', [
      JSON.stringify({
        grantId,
        grantee: { type: 'doctor', doctorId },
        scope: { type: 'records', recordIds: [s.recordId] },
        access: 'read',
        wrappedKeys:
          mspOfPerson(doctorId) === d.msp.B
            ? [{ recordId: s.recordId, keyId: keyB, wrappedKey: fakeWrap('B') }]
            : [],
        ...extra,
      }),
    ]);
  await grant(s.grantToDoctorB, d.personId('doctorBGrant'));
  const notAfter = new Date(d.now() + d.expiryDelayMillis).toISOString();
  await grant(`${run}-g-expiring`, d.personId('doctorBExpired'), { notAfter });
  await grant(`${run}-g-revoked`, d.personId('doctorBRevoked'));
  await must(d, 'patientSelf', 'consent:RevokeAccess', [`${run}-g-revoked`]);
  await grant(s.revocableGrant, s.extraDoctorA);
  await must(d, 'adminA', 'directory:PublishDoctor', publishDoctorArgs(s));
  await d.waitUntil(Date.parse(notAfter) + 1);
  return s;
}

/** The directory entry of the extra doctor (the same each time: publishing again changes nothing). */
function publishDoctorArgs(s: Scenario): string[] {
  return [
    JSON.stringify({
      doctorId: s.extraDoctorA,
      active: true,
    }),
  ];
}

function mspOfPerson(id: string): string {
  return id.slice(0, id.indexOf('/'));
}

/** Expected: a code, 'OK', or 'OK(n)' for a list of n items. */
export type Expect = string;
type Row = {
  tx: string;
  args: (s: Scenario, d: MatrixDriver, actor: Actor) => string[];
  expect: Record<Actor, Expect>;
};

const F = 'FORBIDDEN_ROLE';
const D = 'ACCESS_DENIED';
/** Builds a row's expectations: FORBIDDEN_ROLE for every actor not named. */
function only(named: Partial<Record<Actor, Expect>>): Record<Actor, Expect> {
  return Object.fromEntries(ACTOR_NAMES.map((a) => [a, named[a] ?? F])) as Record<Actor, Expect>;
}
/** Everyone with a valid certificate may read public hospital information. */
const everyone = (e: Expect) =>
  only(Object.fromEntries(ACTOR_NAMES.filter((a) => a !== 'noRole').map((a) => [a, e])));
const patientLog = only({
  patientSelf: 'OK',
  otherPatient: D,
  patientB: D,
  auditorA: 'OK',
  auditorB: D,
});
const assignmentReaders = only({
  patientSelf: 'OK',
  otherPatient: D,
  patientB: D,
  adminA: 'OK',
  adminB: D,
  auditorA: 'OK',
  auditorB: D,
});
const doctors = (e: Expect) =>
  only({
    assignedDoctor: e,
    unassignedDoctor: e,
    doctorBNoGrant: e,
    doctorBGrant: e,
    doctorBExpired: e,
    doctorBRevoked: e,
  });
const recordReaders = (self: Expect) =>
  only({
    patientSelf: self,
    otherPatient: D,
    patientB: D,
    assignedDoctor: 'OK',
    unassignedDoctor: D,
    doctorBNoGrant: D,
    doctorBGrant: 'OK',
    doctorBExpired: 'CONSENT_EXPIRED',
    doctorBRevoked: 'CONSENT_REVOKED',
  });
const grantReaders = only({
  patientSelf: 'OK',
  otherPatient: D,
  patientB: D,
  assignedDoctor: D,
  unassignedDoctor: D,
  doctorBNoGrant: D,
  doctorBGrant: 'OK',
  doctorBExpired: D,
  doctorBRevoked: D,
  auditorA: 'OK',
  auditorB: D,
});
const writers = only({
  assignedDoctor: 'OK',
  unassignedDoctor: 'NOT_ASSIGNED',
  doctorBNoGrant: 'NOT_ASSIGNED',
  doctorBGrant: 'NOT_ASSIGNED',
  doctorBExpired: 'NOT_ASSIGNED',
  doctorBRevoked: 'NOT_ASSIGNED',
});

export const MATRIX: Row[] = [
  {
    tx: 'hospitals:RegisterHospital',
    args: (_, d) => [
      JSON.stringify({
        mspId: d.msp.A,
        displayName: d.displayNameA ?? 'Hospital A',
        ...d.hospitalKey.A,
      }),
    ],
    expect: only({ adminA: 'OK', adminB: D }),
  },
  { tx: 'hospitals:GetHospital', args: (_, d) => [d.msp.A], expect: everyone('OK') },
  { tx: 'hospitals:ListHospitals', args: () => [], expect: everyone('OK') },
  { tx: 'hospitals:ListHospitalKeys', args: (_, d) => [d.msp.A], expect: everyone('OK') },
  { tx: 'hospitals:GetHospitalHistory', args: (_, d) => [d.msp.A], expect: everyone('OK') },
  {
    tx: 'hospitals:GetHospitalStats',
    args: () => [],
    expect: only({ adminA: 'OK', adminB: 'OK', auditorA: 'OK', auditorB: 'OK' }),
  },
  {
    tx: 'hospitals:ApproveHospital',
    args: (s) => [`Run${s.run.replace(/[^A-Za-z0-9]/g, '')}MSP`],
    expect: only({ adminA: 'OK', adminB: 'OK' }),
  },
  {
    tx: 'hospitals:GetAdmission',
    args: (s) => [`Run${s.run.replace(/[^A-Za-z0-9]/g, '')}MSP`],
    expect: everyone('OK'),
  },
  {
    tx: 'hospitals:ProposeMember',
    args: (s, d, actor) => [sampleProposal(d, `${s.run}-mp-${actor}`, actor)],
    expect: only({ adminA: 'OK', adminB: 'OK' }),
  },
  {
    // A signature that is not the submitter's over the update: only admins get as far as its check.
    tx: 'hospitals:ApproveMember',
    args: (s) => [
      s.memberProposal,
      JSON.stringify({
        signatureHeader: Buffer.from('header').toString('base64'),
        signature: 'MEQCIA==',
      }),
    ],
    expect: only({ adminA: 'SIGNATURE_INVALID', adminB: 'SIGNATURE_INVALID' }),
  },
  {
    tx: 'hospitals:RejectMember',
    args: (s, _d, actor) => [`${s.run}-mp-rej-${actor}`, 'Not accredited yet'],
    expect: only({ adminA: 'OK', adminB: 'OK' }),
  },
  {
    tx: 'hospitals:WithdrawMember',
    args: (s) => [s.withdrawableProposal],
    expect: only({ adminA: 'OK', adminB: D }),
  },
  {
    tx: 'hospitals:RecordMemberSubmitted',
    args: (s) => [s.memberProposal],
    expect: only({ adminA: 'CONFLICT', adminB: 'CONFLICT' }),
  },
  {
    tx: 'hospitals:GetMemberProposal',
    args: (s) => [s.memberProposal],
    expect: only({ adminA: 'OK', adminB: 'OK', auditorA: 'OK', auditorB: 'OK' }),
  },
  {
    tx: 'hospitals:ListMemberProposals',
    args: () => [],
    expect: only({ adminA: 'OK', adminB: 'OK', auditorA: 'OK', auditorB: 'OK' }),
  },
  {
    tx: 'assignments:AssignDoctor',
    args: (s) => [s.otherPatient, s.extraDoctorA],
    expect: only({ adminA: 'OK', adminB: D }),
  },
  {
    tx: 'assignments:EndAssignment',
    args: (s) => [s.otherPatient, s.extraDoctorA],
    expect: only({ adminA: 'OK', adminB: D }),
  },
  { tx: 'assignments:ListAssignments', args: (s) => [s.patientSelf], expect: assignmentReaders },
  {
    tx: 'assignments:GetAssignmentHistory',
    args: (s, d) => [s.patientSelf, d.personId('assignedDoctor')],
    expect: assignmentReaders,
  },
  { tx: 'assignments:ListMyPatients', args: () => [], expect: doctors('OK') },
  {
    tx: 'records:ListRecords',
    args: (s) => [s.patientSelf],
    expect: {
      ...recordReaders('OK(1)'),
      assignedDoctor: 'OK(1)',
      unassignedDoctor: 'OK(0)',
      doctorBNoGrant: 'OK(0)',
      doctorBGrant: 'OK(1)',
      doctorBExpired: 'OK(0)',
      doctorBRevoked: 'OK(0)',
      auditorA: 'OK(1)',
      auditorB: D,
    },
  },
  {
    tx: 'records:GetRecordMetadata',
    args: (s) => [s.recordId],
    expect: { ...recordReaders('OK'), auditorA: 'OK', auditorB: D },
  },
  { tx: 'records:GetKeyHolders', args: (s) => [s.patientSelf], expect: writers },
  {
    tx: 'records:AddRecord',
    args: (s, d, actor) => addRecordArgs(d, s, `${s.run}-rec-${actor}`, d.hospitalKey.A.keyId),
    expect: writers,
  },
  { tx: 'access:OpenRecord', args: (s) => [s.recordId, 'treatment'], expect: recordReaders('OK') },
  {
    tx: 'consent:GrantAccess',
    args: (s, _d, actor) => [
      JSON.stringify({
        grantId: `${s.run}-g-${actor}`,
        grantee: { type: 'doctor', doctorId: s.extraDoctorA },
        scope: { type: 'records', recordIds: [s.recordId] },
        access: 'read',
        wrappedKeys: [],
      }),
    ],
    // another patient names a record that is not theirs: reported as not found
    expect: only({ patientSelf: 'OK', otherPatient: 'NOT_FOUND', patientB: 'NOT_FOUND' }),
  },
  {
    tx: 'consent:PrepareGrant',
    args: (_s, d) => [
      JSON.stringify({ type: 'hospital', mspId: d.msp.B }),
      JSON.stringify({ type: 'all' }),
    ],
    expect: only({ patientSelf: 'OK', otherPatient: 'OK', patientB: 'OK' }),
  },
  { tx: 'consent:GetGrant', args: (s) => [s.grantToDoctorB], expect: grantReaders },
  { tx: 'consent:GetGrantHistory', args: (s) => [s.grantToDoctorB], expect: grantReaders },
  { tx: 'consent:ListGrants', args: (s) => [s.patientSelf], expect: patientLog },
  { tx: 'consent:ListGrantsToMe', args: () => [], expect: doctors('OK') },
  {
    tx: 'consent:RevokeAccess',
    args: (s) => [s.revocableGrant],
    expect: only({ patientSelf: 'OK', otherPatient: 'NOT_FOUND', patientB: 'NOT_FOUND' }),
  },
  { tx: 'access:ListAccessEvents', args: (s) => [s.patientSelf], expect: patientLog },
  { tx: 'access:ListBreakGlass', args: (s) => [s.patientSelf], expect: patientLog },
  {
    tx: 'access:ListAccessEventsByReaderHospital',
    args: () => [],
    expect: only({ auditorA: 'OK', auditorB: 'OK' }),
  },
  {
    tx: 'access:ListBreakGlassByHospital',
    args: () => [],
    expect: only({ auditorA: 'OK', auditorB: 'OK' }),
  },
  {
    tx: 'directory:PublishDoctor',
    args: (s) => publishDoctorArgs(s),
    expect: only({ adminA: 'OK', adminB: D }),
  },
  { tx: 'directory:GetDoctor', args: (s) => [s.extraDoctorA], expect: everyone('OK') },
  { tx: 'directory:ListDoctors', args: () => [], expect: everyone('OK') },
  {
    tx: 'directory:ListHospitalCounts',
    args: () => [],
    expect: only({ adminA: 'OK', adminB: 'OK', auditorA: 'OK', auditorB: 'OK' }),
  },
  // Last: a declaration changes what the declaring doctor may read (about another patient here).
  { tx: 'access:BreakGlass', args: (s) => [s.otherPatient, REASON], expect: doctors('OK') },
];

export interface Cell {
  tx: string;
  actor: Actor;
  expected: Expect;
  actual: string;
}

function describeOutcome(o: Outcome, expected: Expect): string {
  if (!o.ok) return o.code;
  if (/^OK\(\d+\)$/.test(expected))
    return Array.isArray(o.result) ? `OK(${o.result.length})` : 'OK(?)';
  return 'OK';
}

/** Runs every cell in table order and returns expected and actual outcomes. */
export async function runMatrix(d: MatrixDriver, s: Scenario): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const row of MATRIX) {
    for (const actor of ACTOR_NAMES) {
      const o = await d.invoke(actor, row.tx, row.args(s, d, actor));
      cells.push({
        tx: row.tx,
        actor,
        expected: row.expect[actor],
        actual: describeOutcome(o, row.expect[actor]),
      });
    }
  }
  return cells;
}

const SHORT: Record<string, string> = {
  OK: 'ok',
  FORBIDDEN_ROLE: 'role',
  ACCESS_DENIED: 'denied',
  NOT_FOUND: 'not found',
  NOT_ASSIGNED: 'not assigned',
  CONSENT_EXPIRED: 'expired',
  CONSENT_REVOKED: 'revoked',
};

/** A text table: transactions down, actors across; a cell shows `!actual≠expected` on mismatch. */
export function formatMatrix(cells: Cell[], markdown = false): string {
  const short = (v: string) =>
    v.replace(/^OK\((\d+)\)$/, 'ok($1)').replace(/^[A-Z_]+$/, (c) => SHORT[c] ?? c);
  const header = ['transaction', ...ACTOR_NAMES.map((a) => ACTORS[a].label)];
  const rows = MATRIX.map((row) => [
    row.tx,
    ...ACTOR_NAMES.map((a) => {
      const c = cells.find((x) => x.tx === row.tx && x.actor === a)!;
      return c.actual === c.expected ? short(c.actual) : `!${short(c.actual)}≠${short(c.expected)}`;
    }),
  ]);
  if (markdown) {
    return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  }
  const widths = header.map((_, i) =>
    Math.max(
      ...[header, ...rows].map((r) =>
        i === 0 ? r[i]!.length : Math.min(14, Math.max(r[i]!.length, 6)),
      ),
    ),
  );
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w) : s.padEnd(w));
  const cols = ACTOR_NAMES.map((a, i) => `  [${String(i + 1).padStart(2)}] ${ACTORS[a].label}`);
  const head = [
    'transaction'.padEnd(widths[0]!),
    ...ACTOR_NAMES.map((_, i) => fit(`[${i + 1}]`, widths[i + 1]!)),
  ].join(' ');
  const body = rows.map((r) => r.map((v, i) => fit(v, widths[i]!)).join(' '));
  return [...cols, head, ...body].join('\n');
}
