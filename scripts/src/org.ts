// `npm run org -- request <Name>` and `npm run org -- add <Name>`: a hospital joining the
// consortium, run on the new hospital's machine (locally: in the same data directory).
//  - request: starts the candidate's CA (enrolling its MSP, admin, peer and service identities),
//    makes its record-encryption key, and prints what a member's admin enters in the portal's
//    proposal form (MSP id, display name, CA root certificate, encryption public key, peer
//    endpoint); also written to <data>/membership/<Name>-request.json.
//  - add: once the members approved (their gateways submitted the channel update), reads the
//    approved proposal from the ledger through the candidate's own peer, writes the hospital into
//    network.yaml's organizations from it (the candidate entry stays, so the founding members do
//    not change), and starts its peer (real Fabric: started, joined, chaincode installed; devnet
//    serves it already), chaincode server, IPFS Kubo node and Cluster peer (joining the cluster),
//    PostgreSQL database and gateway. The same on devnet and on real Fabric.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers } from '@hyperledger/fabric-gateway';
import { parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import type { MemberProposalView } from '@ehr/chaincode/api';
import { chaincodeServices } from '@ehr/chaincode/service';
import { loadOrCreateHospitalKey } from '@ehr/gateway/crypto';
import { gatewayService } from '@ehr/gateway/service';
import {
  NETWORK_DIR,
  caClient,
  caService,
  clusterService,
  clusterServiceName,
  dataPaths,
  kuboService,
  loadNetwork,
  orgPaths,
  registrar,
  replicatorService,
  type Hospital,
  type Network,
  type ServiceDefinition,
} from '@ehr/network';

type Launch = (
  net: Network,
  def: ServiceDefinition,
  supervisedEnv: string,
) => Promise<number | undefined>;

const USAGE = `usage: npm run org -- <command> <Name>
  request <Name>   start the candidate's CA, make its encryption key, print what a member admin proposes
  add <Name>       after the members approved: start the new hospital's peer, chaincode server, IPFS,
                   database and gateway, from a network.yaml entry written from the approved proposal
  --json           print one JSON line (request: the proposal fields; add: the services and their pids)`;

const networkFile = () => process.env.EHR_NETWORK_FILE ?? join(NETWORK_DIR, 'network.yaml');
const fabric = () => process.env.LEDGER === 'fabric';
const peerPort = (h: Hospital) => (fabric() ? h.peer.fabricPort : h.peer.port);

function candidateOf(net: Network, name: string): Hospital {
  const c = [...net.candidateHospitals, ...net.hospitals].find(
    (h) => h.name === name || h.mspId === name,
  );
  if (!c) {
    const known = net.candidateHospitals.map((h) => h.name).join(', ') || 'none';
    throw new Error(`${name} is not described in ${networkFile()} (candidates: ${known})`);
  }
  return c;
}

export interface MembershipRequest {
  mspId: string;
  displayName: string;
  caRootCertPem: string;
  encryptionPublicKeyPem: string;
  peerEndpoint: string;
}

async function request(
  net: Network,
  c: Hospital,
  launch: (d: ServiceDefinition) => Promise<number | undefined>,
) {
  await launch(caService(net, c));
  const key = loadOrCreateHospitalKey(join(dataPaths(net).gateway(c), 'record-key.pem'));
  const req: MembershipRequest = {
    mspId: c.mspId,
    displayName: c.displayName ?? c.name,
    caRootCertPem: readFileSync(orgPaths(net, c).caCert, 'utf8'),
    encryptionPublicKeyPem: key.publicKeyPem,
    peerEndpoint: `127.0.0.1:${peerPort(c)}`,
  };
  const dir = join(net.dataDir, 'membership');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${c.name}-request.json`), JSON.stringify(req, null, 2));
  return req;
}

/** The approved proposal for the candidate, read as an admin of the candidate through its own peer. */
async function approvedProposal(net: Network, c: Hospital): Promise<MemberProposalView> {
  // An operator identity of the new hospital (role admin), enrolled now from its CA's registrar.
  const ca = caClient(net, c);
  const id = `org-operator-${randomBytes(4).toString('hex')}`;
  const secret = await ca.register(await registrar(net, c), {
    enrollmentId: id,
    type: 'admin',
    attributes: [
      { name: 'role', value: 'admin', ecert: true },
      { name: 'uid', value: id, ecert: true },
    ],
  });
  const op = await ca.enroll({ enrollmentId: id, secret, attributes: ['role', 'uid'] });
  const client = new grpc.Client(
    `127.0.0.1:${peerPort(c)}`,
    grpc.credentials.createSsl(readFileSync(join(orgPaths(net, c).msp, 'tlscacerts', 'ca.pem'))),
    { 'grpc.ssl_target_name_override': `peer0.${c.domain}` },
  );
  const gateway = connect({
    client,
    identity: { mspId: c.mspId, credentials: Buffer.from(op.certificate) },
    signer: signers.newPrivateKeySigner(op.privateKey),
    hash: hash.sha256,
  });
  try {
    const contract = gateway.getNetwork(net.channel).getContract(net.chaincode.name);
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const all = JSON.parse(
          Buffer.from(
            await contract.evaluateTransaction('hospitals:ListMemberProposals'),
          ).toString(),
        ) as MemberProposalView[];
        const p = all.find((x) => x.mspId === c.mspId && x.status === 'approved');
        if (p) return p;
        throw new Error(`no approved proposal for ${c.mspId} on the ledger`);
      } catch (e) {
        // Until the channel update is committed the peer does not serve the candidate (devnet) or
        // the ledger refuses its identities.
        if (Date.now() > deadline)
          throw new Error(
            `${c.name} cannot read an approved proposal yet (${(e as Error).message}); have the members approve it first`,
            { cause: e },
          );
        await sleep(1000);
      }
    }
  } finally {
    gateway.close();
    client.close();
  }
}

/** Writes the hospital into network.yaml's organizations, from the proposal (comments kept). */
function writeNetworkEntry(net: Network, c: Hospital, p: MemberProposalView): void {
  const file = networkFile();
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const offset = Number(process.env.EHR_PORT_OFFSET ?? 0);
  const candidates = doc.get('candidates') as YAMLSeq<YAMLMap>;
  const entry = candidates.items.find((i) => i.get('name') === c.name)!;
  entry.set('mspId', p.mspId);
  entry.set('displayName', p.displayName);
  const port = Number(p.peerEndpoint.slice(p.peerEndpoint.lastIndexOf(':') + 1)) - offset;
  (entry.get('peer') as YAMLMap).set(fabric() ? 'fabricPort' : 'port', port);
  const orgs = doc.get('organizations') as YAMLSeq<YAMLMap>;
  const existing = orgs.items.findIndex((i) => i.get('name') === c.name);
  const copy = doc.createNode(entry.toJSON()) as YAMLMap;
  copy.commentBefore = ` Joined the consortium: membership proposal ${p.proposalId} (approved ${p.closedAt ?? ''}).`;
  if (existing >= 0) orgs.items[existing] = copy;
  else orgs.items.push(copy);
  writeFileSync(file, doc.toString());
  void net;
}

export async function orgCommand(
  args: string[],
  opts: { supervisedEnv: string; launch: Launch },
): Promise<number> {
  const [command, ...rest] = args;
  const name = rest.find((a) => !a.startsWith('-'));
  const json = rest.includes('--json');
  if (!name || (command !== 'request' && command !== 'add')) {
    console.error(USAGE);
    return 2;
  }
  let net = loadNetwork();
  const started: { name: string; pid?: number }[] = [];
  const launch = async (d: ServiceDefinition) => {
    const pid = await opts.launch(net, d, opts.supervisedEnv);
    started.push({ name: d.name, pid });
    return pid;
  };
  const say = (line: string) => !json && console.log(line);
  const c = candidateOf(net, name);
  if (command === 'request') {
    const req = await request(net, c, launch);
    if (json) console.log(JSON.stringify({ request: req, services: started }));
    else {
      console.log(
        `${c.name}'s CA runs; give a member hospital's admin this (also in ${join(net.dataDir, 'membership', `${c.name}-request.json`)}):\n`,
      );
      console.log(JSON.stringify(req, null, 2));
    }
    return 0;
  }

  await launch(caService(net, c));
  let chaincodeBinding;
  if (fabric()) {
    // Real Fabric: the members' update made it a member; add-org finds that, starts its peer,
    // joins it to the channel and installs and approves the chaincode for it.
    const { addOrganization, fabricRuntime, fetchChannelConfig, memberMspIds } =
      await import('@ehr/fabric');
    const rt = fabricRuntime(net, { log: (l) => say(`  ${l}`) });
    // The members' update must be in the channel first (an orderer answers the approver's gateway
    // before the block is cut, and a Raft follower may lag): add-org must never make its own.
    const bins = await rt.binaries();
    const deadline = Date.now() + 120_000;
    while (
      !memberMspIds(await fetchChannelConfig(rt.topo, bins, rt.topo.peers[0]!)).includes(c.mspId)
    ) {
      if (Date.now() > deadline)
        throw new Error(
          `${c.mspId} is not a member of ${net.channel}: have the members approve its proposal first`,
        );
      await sleep(1000);
    }
    await addOrganization(rt, c.name, { start: launch, log: (l) => say(`  ${l}`) });
    chaincodeBinding = rt.chaincodeBinding();
  }
  // Its chaincode server first: reading the proposal through its own peer runs the chaincode there.
  for (const def of chaincodeServices(net, chaincodeBinding, [c])) await launch(def);
  const proposal = await approvedProposal(net, c);
  say(
    `approved proposal ${proposal.proposalId}: ${proposal.displayName} (${proposal.mspId}), approved by ${proposal.approvals.map((a) => a.mspId).join(', ')}`,
  );
  writeNetworkEntry(net, c, proposal);
  net = loadNetwork();
  const h = net.hospitals.find((x) => x.name === c.name)!;
  say(`${networkFile()}: ${h.name} written into organizations`);
  for (const def of [
    kuboService(net, h),
    clusterService(net, h),
    replicatorService(net, h, clusterServiceName(h)),
    gatewayService(net, h, { demoData: process.env.NODE_ENV !== 'production' }),
  ]) {
    await launch(def);
    say(`  started ${def.name}`);
  }
  if (json) console.log(JSON.stringify({ proposalId: proposal.proposalId, services: started }));
  else
    console.log(
      `${h.name} joined: portal http://127.0.0.1:${h.gateway.port}/portal/ . Its processes run until \`npm run stop\`; every later \`npm start\` runs them with the others.`,
    );
  return 0;
}
