// The channel side of membership without services: the update the gateway computes for a
// candidate is what the chaincode reads back, the admins' signatures and the submitter's envelope
// are what Fabric's configtx rules (devnet's implementation) accept at a majority and refuse with
// one admin, and an update becomes stale once the configuration moved on.
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { orgAdditionOf } from '@ehr/chaincode/config-update';
import { CodedError } from '@ehr/common';
import { ChannelConfig, toGoDuration } from '@ehr/devnet/dist/src/channelconfig/config';
import { genesisBlock } from '@ehr/devnet/dist/src/channelconfig/genesis';
import { proposeConfigUpdate } from '@ehr/devnet/dist/src/channelconfig/update';
import { readMspFolder } from '@ehr/devnet/dist/src/msp';
import { writeDevPki } from '@ehr/devnet/dist/src/testing';
import { loadNetwork, orgPaths, parseDuration, type Hospital, type Network } from '@ehr/network';
import {
  configUpdateTransaction,
  orderersOf,
  orgAdditionUpdate,
  orgNameOf,
  signConfigUpdate,
  updateIsCurrent,
  type AdminSigner,
} from '../src/membership/channel';

let dir: string;
let net: Network;
let config: ChannelConfig;
let h3: Hospital;
const admin = (h: Hospital): AdminSigner => {
  const paths = orgPaths(net, h).admin;
  return {
    mspId: h.mspId,
    certificate: readFileSync(paths.signCert, 'utf8'),
    privateKey: createPrivateKey(readFileSync(paths.privateKey)),
  };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ehr-membership-'));
  net = loadNetwork({ dataDir: dir, portOffset: 0 });
  await writeDevPki(net);
  h3 = net.candidateHospitals[0]!;
  config = channelConfig((h) => h.name);
}, 60_000);

/** The channel's configuration from the dev PKI; groups named by `groupName` of each hospital. */
function channelConfig(groupName: (h: Hospital) => string): ChannelConfig {
  const ord = net.ordererOrg;
  const ordPaths = orgPaths(net, ord);
  const block = genesisBlock({
    channel: net.channel,
    ordererOrg: {
      name: ord.name,
      mspId: ord.mspId,
      msp: readMspFolder(ordPaths.msp, ord.mspId),
      host: '127.0.0.1',
      port: ord.orderer!.port,
      tlsCert: readFileSync(ordPaths.orderer!.tlsCert),
    },
    applicationOrgs: net.hospitals.map((h) => ({
      name: groupName(h),
      mspId: h.mspId,
      msp: readMspFolder(orgPaths(net, h).msp, h.mspId),
    })),
    batch: { ...net.ordering, batchTimeoutMs: parseDuration(net.ordering.batchTimeout) },
    batchTimeout: toGoDuration(net.ordering.batchTimeout),
  });
  return ChannelConfig.fromBlock(block);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const candidate = () => ({
  mspId: h3.mspId,
  caRootCertPem: readFileSync(orgPaths(net, h3).caCert, 'utf8'),
  peerEndpoint: `127.0.0.1:${h3.peer.port}`,
});

async function envelope(update: Uint8Array, signers: Hospital[]): Promise<common.Envelope> {
  const signatures = await Promise.all(signers.map((h) => signConfigUpdate(admin(h), update)));
  return common.Envelope.deserializeBinary(
    await configUpdateTransaction(net.channel, update, signatures, admin(signers.at(-1)!)),
  );
}

describe('membership: the channel configuration update', () => {
  it('adds exactly the candidate with its CA and anchor peer, as the chaincode reads it', () => {
    const update = orgAdditionUpdate(config, candidate());
    expect(orgAdditionOf(update)).toMatchObject({
      channelId: net.channel,
      orgName: h3.name,
      mspId: h3.mspId,
      rootCertsPem: [candidate().caRootCertPem.replace(/\r\n/g, '\n').trim() + '\n'],
      anchorPeers: [candidate().peerEndpoint],
    });
    expect(updateIsCurrent(config, update)).toBe(true);
  });

  it('is accepted with the signatures of a majority of the members’ admins and refused with one', async () => {
    const update = orgAdditionUpdate(config, candidate());
    const [h1, h2] = net.hospitals as [Hospital, Hospital];
    const one = await envelope(update, [h1]);
    expect(() => proposeConfigUpdate(config, one)).toThrow(
      /requires 2 of the 'Admins' sub-policies to be satisfied/,
    );
    const next = new ChannelConfig(
      proposeConfigUpdate(config, await envelope(update, [h1, h2])),
      net.channel,
    );
    expect(next.msps.mspIds).toContain(h3.mspId);
    // the configuration moved on: the same update no longer applies, and the candidate is a member
    expect(updateIsCurrent(next, update)).toBe(false);
    expect(() => orgAdditionUpdate(next, candidate())).toThrow(CodedError);
  });

  it('names the orderers and their TLS roots from the configuration', () => {
    expect(orderersOf(config)).toEqual([
      {
        address: `127.0.0.1:${net.ordererOrg.orderer!.port}`,
        tlsRoots: [readFileSync(join(orgPaths(net, net.ordererOrg).msp, 'tlscacerts', 'ca.pem'))],
      },
    ]);
  });

  it('names the new group as the channel names its organisations (devnet: by name; configtxgen: by MSP id)', () => {
    expect(orgNameOf(config, 'Hospital9MSP')).toBe('Hospital9');
    const byMspId = channelConfig((h) => h.mspId);
    expect(orgNameOf(byMspId, 'Hospital9MSP')).toBe('Hospital9MSP');
    expect(orgAdditionOf(orgAdditionUpdate(byMspId, candidate())).orgName).toBe(h3.mspId);
  });
});
