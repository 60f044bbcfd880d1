// A small consortium for unit tests: two founding hospitals, their admins and auditors, patients
// and doctors at both, and helpers that build valid requests.
import { createHash, generateKeyPairSync } from 'node:crypto';
import type { AddRecordRequest, KeyHolder, RecordMeta } from '../../src/api';
import { MemoryLedger, type Outcome, type Person, idOf, person } from './memory-ledger';

export const H1 = 'Hospital1MSP';
export const H2 = 'Hospital2MSP';
export const H3 = 'Hospital3MSP';

process.env.EHR_FOUNDING_MEMBERS = `${H1},${H2}`;

export const P = {
  admin1: person(H1, 'admin', 'admin-1'),
  admin2: person(H2, 'admin', 'admin-2'),
  auditor1: person(H1, 'auditor', 'auditor-1'),
  auditor2: person(H2, 'auditor', 'auditor-2'),
  patient1: person(H1, 'patient', 'patient-1'),
  patient2: person(H1, 'patient', 'patient-2'),
  patient3: person(H2, 'patient', 'patient-3'),
  doctor1: person(H1, 'doctor', 'doctor-1'), // assigned to patient1
  doctor1b: person(H1, 'doctor', 'doctor-1b'), // same hospital, not assigned
  doctor2: person(H2, 'doctor', 'doctor-2'), // other hospital
  doctor2b: person(H2, 'doctor', 'doctor-2b'),
  admin3: person(H3, 'admin', 'admin-3'),
  doctor3: person(H3, 'doctor', 'doctor-3'),
};
export { idOf };

/** Encryption keys are generated once per process (RSA-3072 generation is slow). */
let keys: { rsa: string; rsa2: string; ec: string; ec2: string; rsa2048: string } | undefined;
export function testKeys() {
  if (!keys) {
    const spki = { type: 'spki', format: 'pem' } as const;
    const pkcs8 = { type: 'pkcs8', format: 'pem' } as const;
    keys = {
      rsa: generateKeyPairSync('rsa', {
        modulusLength: 3072,
        publicKeyEncoding: spki,
        privateKeyEncoding: pkcs8,
      }).publicKey,
      rsa2: generateKeyPairSync('rsa', {
        modulusLength: 3072,
        publicKeyEncoding: spki,
        privateKeyEncoding: pkcs8,
      }).publicKey,
      rsa2048: generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: spki,
        privateKeyEncoding: pkcs8,
      }).publicKey,
      ec: generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        publicKeyEncoding: spki,
        privateKeyEncoding: pkcs8,
      }).publicKey,
      ec2: generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        publicKeyEncoding: spki,
        privateKeyEncoding: pkcs8,
      }).publicKey,
    };
  }
  return keys;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** A CIDv1 (raw codec, sha2-256) of some content, as Kubo prints it. */
export function cidOf(content: string): string {
  const digest = createHash('sha256').update(content).digest();
  return 'b' + base32(Uint8Array.from([0x01, 0x55, 0x12, 0x20, ...digest]));
}

export const wrapped = (label: string) => Buffer.from(`wrapped:${label}`).toString('base64');

export function registerRequest(
  mspId: string,
  keyId: string,
  pem: string,
  algorithm = 'RSA-OAEP-3072',
  displayName = `${mspId} hospital`,
) {
  return JSON.stringify({ mspId, displayName, keyId, algorithm, publicKeyPem: pem });
}

export function expectOk(o: Outcome): {
  result: unknown;
  event?: { name: string; payload: unknown };
  writes: number;
} {
  if (!o.ok) throw new Error(`expected success, got ${o.message}`);
  return o;
}

export function codeOf(o: Outcome): string {
  return o.ok ? 'OK' : (o.code ?? `UNCODED(${o.message})`);
}

/** Two registered hospitals (RSA for Hospital1, P-256 for Hospital2), doctor1 assigned to patient1. */
export async function world(): Promise<MemoryLedger> {
  const k = testKeys();
  const ledger = new MemoryLedger();
  expectOk(
    await ledger.invoke(
      P.admin1,
      'hospitals:RegisterHospital',
      registerRequest(H1, 'h1-k1', k.rsa),
    ),
  );
  expectOk(
    await ledger.invoke(
      P.admin2,
      'hospitals:RegisterHospital',
      registerRequest(H2, 'h2-k1', k.ec, 'ECIES-P256'),
    ),
  );
  expectOk(
    await ledger.invoke(P.admin1, 'assignments:AssignDoctor', idOf(P.patient1), idOf(P.doctor1)),
  );
  ledger.advance(1000);
  return ledger;
}

let recordSeq = 0;
export function recordRequest(
  patient: Person,
  overrides: Partial<AddRecordRequest> = {},
  holders: string[] = [patient.mspId],
): AddRecordRequest {
  const n = ++recordSeq;
  const currentKey: Record<string, string> = { [H1]: 'h1-k1', [H2]: 'h2-k1', [H3]: 'h3-k1' };
  return {
    recordId: `rec-${n}`,
    patientId: idOf(patient),
    cid: cidOf(`file ${n}`),
    sha256: sha256(`file ${n}`),
    size: 1024 + n,
    mediaType: 'application/pdf',
    category: 'report',
    remarkHash: sha256(`remark ${n}`),
    wrappedKeys: [...new Set(holders)]
      .sort()
      .map((mspId) => ({ mspId, keyId: currentKey[mspId]!, wrappedKey: wrapped(`${n}:${mspId}`) })),
    ...overrides,
  };
}

/** Adds a record as `doctor`, wrapping for exactly the hospitals GetKeyHolders names. */
export async function addRecord(
  ledger: MemoryLedger,
  doctor: Person,
  patient: Person,
  overrides: Partial<AddRecordRequest> = {},
): Promise<RecordMeta> {
  const holders = expectOk(await ledger.invoke(doctor, 'records:GetKeyHolders', idOf(patient)))
    .result as KeyHolder[];
  const req = recordRequest(
    patient,
    overrides,
    holders.map((h) => h.mspId),
  );
  const keyIds = Object.fromEntries(holders.map((h) => [h.mspId, h.keyId]));
  req.wrappedKeys = req.wrappedKeys.map((w) => ({ ...w, keyId: keyIds[w.mspId]! }));
  return expectOk(await ledger.invoke(doctor, 'records:AddRecord', JSON.stringify(req)))
    .result as RecordMeta;
}

export function grantRequest(fields: Record<string, unknown>): string {
  return JSON.stringify({ access: 'read', wrappedKeys: [], ...fields });
}

/** The patient grants access (read, no wrapped keys unless given) and the grant must succeed. */
export async function grant(
  ledger: MemoryLedger,
  patient: Person,
  fields: Record<string, unknown>,
): Promise<ReturnType<typeof expectOk>> {
  return expectOk(await ledger.invoke(patient, 'consent:GrantAccess', grantRequest(fields)));
}
