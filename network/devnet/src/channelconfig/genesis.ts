// Block 0 of the channel: a config block as Fabric's configtxgen writes it for a channel with an
// etcdraft ordering service (internal/configtxgen/encoder, common/genesis): the Channel group
// (HashingAlgorithm SHA256, BlockDataHashingStructure, Capabilities V3_0; Readers/Writers ANY,
// Admins MAJORITY), the Orderer group (BatchSize, BatchTimeout, ChannelRestrictions,
// Capabilities V2_0, ConsensusType etcdraft with orderer0 as consenter, BlockValidation) with the
// orderer organisation, and the Application group (Capabilities V2_5; Readers/Writers ANY,
// Admins/Endorsement/LifecycleEndorsement MAJORITY) with one group per hospital carrying its
// MSP (root certs, TLS roots, NodeOUs) and the NodeOU-based policies of Fabric's test network.
import { createHash, randomBytes } from 'node:crypto';
import { common, msp as mspProto, orderer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { computeBlockDataHash } from '@ehr/network';
import { toMspConfig } from '../msp';
import {
  implicitMetaPolicyProto,
  parseSignaturePolicy,
  signaturePolicyProto,
  type ImplicitMetaRule,
} from '../policies';
import type { BatchSettings } from '../orderer/blockcutter';

const ADMINS = 'Admins';

export interface OrgDefinition {
  /** Config group name (network.yaml organisation name). */
  name: string;
  mspId: string;
  msp: mspProto.FabricMSPConfig;
}

export interface OrdererOrgDefinition extends OrgDefinition {
  host: string;
  port: number;
  /** orderer0's TLS certificate (PEM), for the etcdraft consenter entry. */
  tlsCert: Buffer;
}

export interface GenesisOptions {
  channel: string;
  ordererOrg: OrdererOrgDefinition;
  applicationOrgs: OrgDefinition[];
  batch: BatchSettings;
  /** Go duration string of the batch timeout, e.g. 250ms. */
  batchTimeout: string;
}

function value(message: { serializeBinary(): Uint8Array }, modPolicy = ADMINS): common.ConfigValue {
  const v = new common.ConfigValue();
  v.setValue(message.serializeBinary());
  v.setModPolicy(modPolicy);
  return v;
}

function policy(p: common.Policy, modPolicy = ADMINS): common.ConfigPolicy {
  const cp = new common.ConfigPolicy();
  cp.setPolicy(p);
  cp.setModPolicy(modPolicy);
  return cp;
}

const signature = (rule: string) => policy(signaturePolicyProto(parseSignaturePolicy(rule)));
const meta = (rule: ImplicitMetaRule, sub: string) => policy(implicitMetaPolicyProto(rule, sub));

function capabilities(...names: string[]): common.Capabilities {
  const c = new common.Capabilities();
  for (const n of names) c.getCapabilitiesMap().set(n, new common.Capability());
  return c;
}

function group(
  values: Record<string, common.ConfigValue>,
  policies: Record<string, common.ConfigPolicy>,
  groups: Record<string, common.ConfigGroup> = {},
): common.ConfigGroup {
  const g = new common.ConfigGroup();
  for (const [k, v] of Object.entries(values)) g.getValuesMap().set(k, v);
  for (const [k, p] of Object.entries(policies)) g.getPoliciesMap().set(k, p);
  for (const [k, c] of Object.entries(groups)) g.getGroupsMap().set(k, c);
  g.setModPolicy(ADMINS);
  return g;
}

/** An application (hospital) organisation's config group. */
export function applicationOrgGroup(org: OrgDefinition): common.ConfigGroup {
  const id = org.mspId;
  return group(
    { MSP: value(toMspConfig(org.msp)) },
    {
      Readers: signature(`OR('${id}.admin','${id}.peer','${id}.client')`),
      Writers: signature(`OR('${id}.admin','${id}.client')`),
      Admins: signature(`OR('${id}.admin')`),
      Endorsement: signature(`OR('${id}.peer')`),
    },
  );
}

function ordererGroup(opts: GenesisOptions): common.ConfigGroup {
  const o = opts.ordererOrg;
  const endpoints = new common.OrdererAddresses();
  endpoints.setAddressesList([`${o.host}:${o.port}`]);
  const ordererOrg = group(
    { MSP: value(toMspConfig(o.msp)), Endpoints: value(endpoints) },
    {
      Readers: signature(`OR('${o.mspId}.member')`),
      Writers: signature(`OR('${o.mspId}.member')`),
      Admins: signature(`OR('${o.mspId}.admin')`),
    },
  );
  const batchSize = new orderer.BatchSize();
  batchSize.setMaxMessageCount(opts.batch.maxMessageCount);
  batchSize.setAbsoluteMaxBytes(opts.batch.absoluteMaxBytes);
  batchSize.setPreferredMaxBytes(opts.batch.preferredMaxBytes);
  const batchTimeout = new orderer.BatchTimeout();
  batchTimeout.setTimeout(opts.batchTimeout);
  const consenter = new orderer.etcdraft.Consenter();
  consenter.setHost(o.host);
  consenter.setPort(o.port);
  consenter.setClientTlsCert(o.tlsCert);
  consenter.setServerTlsCert(o.tlsCert);
  const options = new orderer.etcdraft.Options();
  options.setTickInterval('500ms');
  options.setElectionTick(10);
  options.setHeartbeatTick(1);
  options.setMaxInflightBlocks(5);
  options.setSnapshotIntervalSize(16 * 1024 * 1024);
  const raft = new orderer.etcdraft.ConfigMetadata();
  raft.setConsentersList([consenter]);
  raft.setOptions(options);
  const consensus = new orderer.ConsensusType();
  consensus.setType('etcdraft');
  consensus.setMetadata(raft.serializeBinary());
  consensus.setState(orderer.ConsensusType.State.STATE_NORMAL);
  return group(
    {
      BatchSize: value(batchSize),
      BatchTimeout: value(batchTimeout),
      ChannelRestrictions: value(new orderer.ChannelRestrictions()),
      Capabilities: value(capabilities('V2_0')),
      ConsensusType: value(consensus),
    },
    {
      Readers: meta('ANY', 'Readers'),
      Writers: meta('ANY', 'Writers'),
      Admins: meta('MAJORITY', 'Admins'),
      BlockValidation: meta('ANY', 'Writers'),
    },
    { [o.name]: ordererOrg },
  );
}

export function applicationGroup(orgs: OrgDefinition[]): common.ConfigGroup {
  return group(
    { Capabilities: value(capabilities('V2_5')) },
    {
      Readers: meta('ANY', 'Readers'),
      Writers: meta('ANY', 'Writers'),
      Admins: meta('MAJORITY', 'Admins'),
      Endorsement: meta('MAJORITY', 'Endorsement'),
      LifecycleEndorsement: meta('MAJORITY', 'Endorsement'),
    },
    Object.fromEntries(orgs.map((o) => [o.name, applicationOrgGroup(o)])),
  );
}

export function channelGroup(opts: GenesisOptions): common.ConfigGroup {
  const hashing = new common.HashingAlgorithm();
  hashing.setName('SHA256');
  const width = new common.BlockDataHashingStructure();
  width.setWidth(0xffffffff);
  return group(
    {
      HashingAlgorithm: value(hashing),
      BlockDataHashingStructure: value(width),
      Capabilities: value(capabilities('V3_0')),
    },
    {
      Readers: meta('ANY', 'Readers'),
      Writers: meta('ANY', 'Writers'),
      Admins: meta('MAJORITY', 'Admins'),
    },
    { Orderer: ordererGroup(opts), Application: applicationGroup(opts.applicationOrgs) },
  );
}

/** A CONFIG envelope as common/genesis writes it: no creator, no signature, txid from the nonce. */
export function configEnvelope(
  channel: string,
  config: common.Config,
  lastUpdate?: common.Envelope,
): common.Envelope {
  const nonce = randomBytes(24);
  const now = Date.now();
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(now / 1000));
  ts.setNanos(0);
  const ch = new common.ChannelHeader();
  ch.setType(common.HeaderType.CONFIG);
  ch.setVersion(1);
  ch.setChannelId(channel);
  ch.setTimestamp(ts);
  ch.setTxId(createHash('sha256').update(nonce).digest('hex'));
  const sh = new common.SignatureHeader();
  sh.setNonce(nonce);
  const header = new common.Header();
  header.setChannelHeader(ch.serializeBinary());
  header.setSignatureHeader(sh.serializeBinary());
  const ce = new common.ConfigEnvelope();
  ce.setConfig(config);
  if (lastUpdate) ce.setLastUpdate(lastUpdate);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(ce.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env;
}

export function genesisBlock(opts: GenesisOptions): common.Block {
  const config = new common.Config();
  config.setSequence(0);
  config.setChannelGroup(channelGroup(opts));
  const data = [configEnvelope(opts.channel, config).serializeBinary()];
  const header = new common.BlockHeader();
  header.setNumber(0);
  header.setPreviousHash(new Uint8Array());
  header.setDataHash(computeBlockDataHash(data));
  const blockData = new common.BlockData();
  blockData.setDataList(data);
  const lastConfig = new common.LastConfig();
  lastConfig.setIndex(0);
  const lastConfigMd = new common.Metadata();
  lastConfigMd.setValue(lastConfig.serializeBinary());
  const obm = new common.OrdererBlockMetadata();
  obm.setLastConfig(lastConfig);
  const signaturesMd = new common.Metadata();
  signaturesMd.setValue(obm.serializeBinary());
  const metadata = new common.BlockMetadata();
  metadata.setMetadataList([
    signaturesMd.serializeBinary(),
    lastConfigMd.serializeBinary(),
    new Uint8Array(),
    new Uint8Array(),
    new Uint8Array(),
  ]);
  const block = new common.Block();
  block.setHeader(header);
  block.setData(blockData);
  block.setMetadata(metadata);
  return block;
}
