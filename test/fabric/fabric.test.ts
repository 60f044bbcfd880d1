// Real Fabric only (registered when LEDGER=fabric; `npm run test:fabric` runs three Raft
// orderers): faults of the ordering service and of a peer under load, and enrolling Hospital3 by
// a channel configuration update that a majority of the members' admins must sign.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Contract, Gateway } from '@hyperledger/fabric-gateway';
import {
  common,
  gateway as gatewayProtos,
  msp,
  peer as peerProtos,
} from '@hyperledger/fabric-protos';
import { loadIdentity, orgPaths, type Hospital, type Network } from '@ehr/network';
import {
  addOrganization,
  fabricRuntime,
  fetchChannelConfig,
  launchOutsideSupervisor,
  memberMspIds,
  ordererChannelInfo,
  ordererServiceName,
  peerChannelMetrics,
  peerServiceName,
  waitForFabricReady,
  type FabricRuntime,
} from '@ehr/fabric';
import { testNetwork, testStackStatus, waitFor } from '../support';
import { LedgerClients, privateKeySigner, startTestContractServers } from '../ledger/support';

/** The supervisor marks its processes with this variable (scripts/src/supervisor/state.ts). */
const SUPERVISED_ENV = 'EHR_SUPERVISED';

let net: Network;
let rt: FabricRuntime;
let clients: LedgerClients;
const servers: { stop(): Promise<void> }[] = [];
const contracts = new Map<string, Contract>();

function adminGateway(h: Hospital): Gateway {
  const admin = loadIdentity(orgPaths(net, h).admin);
  return clients.raw(h, h.mspId, admin.certificate, privateKeySigner(admin.privateKey));
}

function contract(h: Hospital): Contract {
  let c = contracts.get(h.name);
  if (!c) contracts.set(h.name, (c = clients.testContract(adminGateway(h))));
  return c;
}

async function pidOf(service: string): Promise<number> {
  const state = await testStackStatus();
  const pid = state?.services.find((s) => s.name === service)?.pid;
  if (!pid) throw new Error(`${service} has no running process`);
  return pid;
}

/** Submits `count` Puts from `workers` concurrent clients; returns the keys reported VALID. */
async function load(
  h: Hospital,
  prefix: string,
  count: number,
  workers = 4,
): Promise<{ ok: string[]; failed: string[] }> {
  const ok: string[] = [];
  const failed: string[] = [];
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; i < count; i += workers) {
        const key = `${prefix}-${i}`;
        try {
          await contract(h).submitTransaction('Put', key, `v${i}`);
          ok.push(key);
        } catch (e) {
          failed.push(`${key}: ${(e as Error).message}`);
        }
      }
    }),
  );
  return { ok, failed };
}

beforeAll(async () => {
  net = testNetwork();
  rt = fabricRuntime(net);
  clients = new LedgerClients(net);
  servers.push(await startTestContractServers(net));
  await waitForFabricReady(rt.topo);
});

afterAll(async () => {
  clients?.close();
  for (const s of servers) await s.stop();
});

describe('real Fabric', () => {
  it('keeps ordering while one Raft orderer of three is down, and the orderer catches up', async () => {
    expect(rt.topo.orderers).toHaveLength(3);
    const [h1] = net.hospitals;
    const victim = rt.topo.orderers[0]!;
    const running = load(h1!, 'raft', 60);
    await sleep(500);
    process.kill(await pidOf(ordererServiceName(victim)), 'SIGKILL');
    const { ok, failed } = await running;
    expect(failed).toEqual([]);
    expect(ok).toHaveLength(60);
    // The supervisor restarts it; it rejoins as a consenter at the others' height.
    const bins = await rt.binaries();
    await waitFor(
      'the killed orderer to catch up',
      async () => {
        const infos = await Promise.all(
          rt.topo.orderers.map((o) => ordererChannelInfo(rt.topo, bins, o)),
        );
        const heights = infos.map((i) => i.height);
        return infos.every((i) => i.status === 'active') && new Set(heights).size === 1;
      },
      90_000,
    );
  });

  it('a peer killed and restarted catches up and serves every acknowledged write', async () => {
    const [h1, h2] = net.hospitals as [Hospital, Hospital];
    const { ok, failed } = await load(h1, 'peer', 20);
    expect(failed).toEqual([]);
    const p2 = rt.topo.peers.find((p) => p.org.name === h2.name)!;
    process.kill(await pidOf(peerServiceName(p2)), 'SIGKILL');
    await waitFor(
      'the supervisor to restart the peer',
      async () =>
        (await testStackStatus())?.services.find((s) => s.name === peerServiceName(p2))?.state ===
        'running',
      60_000,
    );
    await waitForFabricReady(rt.topo);
    const [m1, m2] = await Promise.all(
      rt.topo.peers.slice(0, 2).map((p) => peerChannelMetrics(p.operationsPort, net.channel)),
    );
    expect(m2!.height).toBe(m1!.height);
    for (const key of ok) {
      expect(Buffer.from(await contract(h2).evaluateTransaction('Get', key)).toString()).toBe(
        `v${key.split('-')[1]}`,
      );
    }
  });

  it('refuses to add Hospital3 with one admin’s signature, adds it with a majority, and Hospital3 endorses VALID transactions', async () => {
    const start = (def: Parameters<typeof launchOutsideSupervisor>[1]) =>
      launchOutsideSupervisor(net, def, SUPERVISED_ENV, () => {});
    const bins = await rt.binaries();
    const first = rt.topo.peers[0]!;

    const refused = await addOrganization(rt, 'Hospital3', {
      start,
      signers: [first.org.mspId],
    }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain(
      "policy for [Group]  /Channel/Application not satisfied: implicit policy evaluation failed - 1 sub-policies were satisfied, but this policy requires 2 of the 'Admins' sub-policies to be satisfied",
    );
    expect(memberMspIds(await fetchChannelConfig(rt.topo, bins, first))).not.toContain(
      'Hospital3MSP',
    );

    await addOrganization(rt, 'Hospital3', { start });
    expect(memberMspIds(await fetchChannelConfig(rt.topo, bins, first))).toContain('Hospital3MSP');
    const h3 = net.candidateHospitals.find((h) => h.name === 'Hospital3')!;
    servers.push(await startTestContractServers({ ...net, hospitals: [h3] }));
    await waitForFabricReady(rt.topo);

    const tx = await contract(h3)
      .newProposal('Put', {
        arguments: ['h3-key', 'from Hospital3'],
        endorsingOrganizations: ['Hospital3MSP', ...net.hospitals.map((h) => h.mspId)],
      })
      .endorse();
    const status = await (await tx.submit()).getStatus();
    expect(status.code).toBe(peerProtos.TxValidationCode.VALID);
    // The endorsements in the committed transaction include Hospital3's peer.
    const envelope = gatewayProtos.PreparedTransaction.deserializeBinary(
      tx.getBytes(),
    ).getEnvelope()!;
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const action = peerProtos.Transaction.deserializeBinary(
      payload.getData_asU8(),
    ).getActionsList()[0]!;
    const endorsers = peerProtos.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8())
      .getAction()!
      .getEndorsementsList()
      .map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid());
    expect(endorsers).toContain('Hospital3MSP');
  });
});
