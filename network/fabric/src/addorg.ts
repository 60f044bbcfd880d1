// Enrolling a hospital on the running channel (`npm run fabric -- add-org Hospital3`): the
// candidate's CA and identities, its organisation definition by configtxgen, a channel config
// update computed by configtxlator and signed by a majority of the members' admins (the
// channel's Application Admins policy; fewer signatures are refused by the orderer), then its
// peer started and joined, the chaincode installed and approved for it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caService, type Hospital, type ServiceDefinition } from '@ehr/network';
import { stringify } from 'yaml';
import { hospitalOrgSection } from './config/configtx';
import {
  buildConfigUpdate,
  fetchChannelConfig,
  memberMspIds,
  signConfigUpdate,
  submitConfigUpdate,
  type ConfigJson,
} from './configupdate';
import { runTool } from './exec';
import type { FabricRuntime } from './services';
import { HOST, peerServiceName, recordJoinedCandidate, type PeerNode } from './topology';

export interface AddOrgOptions {
  /** Starts a service and resolves once it is healthy and its afterStart work is done. */
  start(def: ServiceDefinition): Promise<unknown>;
  /** MSP ids of the members whose admins sign; default: the smallest majority, in network.yaml order. */
  signers?: string[];
  log?: (line: string) => void;
}

/** The candidate's organisation group as configtxgen prints it, plus its anchor peer. */
async function organizationGroup(
  rt: FabricRuntime,
  candidate: Hospital,
): Promise<Record<string, unknown>> {
  const dir = join(rt.topo.root, 'candidates', candidate.name);
  mkdirSync(dir, { recursive: true });
  const section = hospitalOrgSection(rt.topo, candidate, candidate.peer.fabricPort);
  writeFileSync(join(dir, 'configtx.yaml'), stringify({ Organizations: [section] }));
  const bins = await rt.binaries();
  const { stdout } = await runTool(bins.tool.configtxgen, [
    '-configPath',
    dir,
    '-printOrg',
    candidate.mspId,
  ]);
  const group = JSON.parse(stdout) as { values: Record<string, unknown> };
  // -printOrg leaves anchor peers out; the channel needs them for gossip across hospitals.
  group.values.AnchorPeers = {
    mod_policy: 'Admins',
    value: { anchor_peers: [{ host: HOST, port: candidate.peer.fabricPort }] },
    version: '0',
  };
  return group;
}

/** The smallest majority of the member hospitals (MAJORITY Admins needs more than half). */
export function majorityOf<T>(members: T[]): T[] {
  return members.slice(0, Math.floor(members.length / 2) + 1);
}

export async function addOrganization(
  rt: FabricRuntime,
  name: string,
  opts: AddOrgOptions,
): Promise<void> {
  const log = opts.log ?? (() => {});
  const { net } = rt;
  const candidate = net.candidateHospitals.find((h) => h.name === name);
  if (!candidate) {
    const known = net.candidateHospitals.map((h) => h.name).join(', ') || 'none';
    throw new Error(`${name} is not a candidate in network.yaml (candidates: ${known})`);
  }
  const bins = await rt.binaries();
  const members = rt.topo.peers;

  log(`starting ${candidate.name}'s CA and enrolling its identities`);
  await opts.start(caService(net, candidate));

  const config = await fetchChannelConfig(rt.topo, bins, members[0]!);
  const memberIds = memberMspIds(config);
  if (!memberIds.includes(candidate.mspId)) {
    const updated = structuredClone(config) as ConfigJson;
    updated.channel_group.groups.Application!.groups[candidate.mspId] = await organizationGroup(
      rt,
      candidate,
    );
    const envelope = await buildConfigUpdate(rt.topo, bins, config, updated);
    const memberPeers = members.filter((p) => memberIds.includes(p.org.mspId));
    const signers: PeerNode[] = opts.signers
      ? opts.signers.map((id) => {
          const p = memberPeers.find((m) => m.org.mspId === id);
          if (!p) throw new Error(`${id} is not a member of ${rt.topo.channel}`);
          return p;
        })
      : majorityOf(memberPeers);
    for (const s of signers.slice(0, -1)) {
      await signConfigUpdate(rt.topo, bins, envelope, s);
      log(`${s.org.mspId} admin signed the update adding ${candidate.mspId}`);
    }
    const submitter = signers[signers.length - 1]!;
    await submitConfigUpdate(rt.topo, bins, envelope, submitter);
    log(
      `${submitter.org.mspId} admin signed and submitted: ${candidate.mspId} is a member of ${rt.topo.channel}`,
    );
  } else {
    log(`${candidate.mspId} is already a member of ${rt.topo.channel}`);
  }
  recordJoinedCandidate(net, candidate.name);
  rt.reload();

  const peer = rt.topo.peers.find((p) => p.org.name === candidate.name)!;
  const peerDef = rt.services().find((s) => s.name === peerServiceName(peer))!;
  log(`starting ${peer.name} of ${candidate.name} and joining it to ${rt.topo.channel}`);
  await opts.start(peerDef);
  // Install on the new peer and approve for the new hospital; the definition stays committed.
  await rt.packageId();
}
