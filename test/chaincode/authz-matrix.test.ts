// The authorization matrix through the real stack: every transaction × every kind of caller,
// each caller a person enrolled at their hospital's real Fabric CA (role, uid, govId in the
// certificate), each call signed by that person through the Fabric Gateway client to their own
// hospital's peer, endorsed by both hospitals' chaincode servers. Printed as a table; every
// cell asserted. Runs unchanged on real Fabric (LEDGER=fabric).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadIdentity, orgPaths, type CaIdentity } from '@ehr/network';
import { authzMatrix, type Hospital as HospitalAsset } from '@ehr/chaincode';
import { enrollTestUser, testNetwork } from '../support';
import { LEDGER, PeerClients, call } from './ledger-client';

const { ACTORS, ACTOR_NAMES, MATRIX, formatMatrix, prepareScenario, runMatrix } = authzMatrix;
type Actor = authzMatrix.Actor;

const net = testNetwork();
const [A, B] = net.hospitals as [(typeof net.hospitals)[0], (typeof net.hospitals)[0]];
const clients = new PeerClients(net);
afterAll(() => clients.close());

async function hospitalKey(h: typeof A, as: CaIdentity): Promise<authzMatrix.HospitalKeyInput> {
  // Keep the key the stack registered (the gateway's); otherwise register a fresh one.
  const o = await call(clients.contract(clients.gateway(h, as)), 'hospitals:GetHospital', [
    h.mspId,
  ]);
  if (o.ok) {
    const { keyId, algorithm, publicKeyPem } = (o.result as HospitalAsset).currentKey;
    return { keyId, algorithm, publicKeyPem };
  }
  const { publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyId: `test-${randomUUID()}`, algorithm: 'ECIES-P256', publicKeyPem: publicKey };
}

describe(`authorization matrix on ${LEDGER}`, () => {
  it('every transaction × every caller gives the expected outcome', async () => {
    const identities = {} as Record<Actor, CaIdentity>;
    const personIds = {} as Record<Actor, string>;
    for (const actor of ACTOR_NAMES) {
      const spec = ACTORS[actor];
      const h = spec.hospital === 'A' ? A : B;
      if (spec.role === null) {
        // A real certificate of the hospital without role/uid: the gateway's registrar identity.
        identities[actor] = loadIdentity(orgPaths(net, h).gatewayService!);
        continue;
      }
      const uid = `${actor.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-${randomUUID().slice(0, 8)}`;
      identities[actor] = await enrollTestUser(net, h, {
        role: spec.role,
        uid,
        ...(spec.role === 'doctor' ? { govId: `GOV-${uid}` } : {}),
      });
      personIds[actor] = `${h.mspId}/${uid}`;
    }
    const contracts = Object.fromEntries(
      ACTOR_NAMES.map((a) => [
        a,
        clients.contract(clients.gateway(ACTORS[a].hospital === 'A' ? A : B, identities[a])),
      ]),
    ) as Record<Actor, ReturnType<PeerClients['contract']>>;
    const driver: authzMatrix.MatrixDriver = {
      msp: { A: A.mspId, B: B.mspId },
      hospitalKey: {
        A: await hospitalKey(A, identities.adminA),
        B: await hospitalKey(B, identities.adminB),
      },
      displayNameA: A.displayName ?? A.name,
      runId: `m${Date.now().toString(36)}`,
      personId: (a) => personIds[a],
      invoke: (a, fn, args) => call(contracts[a], fn, args),
      now: () => Date.now(),
      waitUntil: async (ms) => {
        while (Date.now() < ms) await sleep(Math.min(1000, ms - Date.now() + 5));
      },
      expiryDelayMillis: 8000,
    };
    const s = await prepareScenario(driver);
    const cells = await runMatrix(driver, s);
    console.log(
      `authorization matrix (${LEDGER}, real CA identities, Fabric Gateway)\n${formatMatrix(cells)}`,
    );
    expect(cells).toHaveLength(MATRIX.length * ACTOR_NAMES.length);
    for (const c of cells) {
      expect({ cell: `${c.tx} × ${c.actor}`, outcome: c.actual }).toEqual({
        cell: `${c.tx} × ${c.actor}`,
        outcome: c.expected,
      });
    }
  }, 600_000);
});
