// Channel configuration updates as Fabric's common/configtx validates them (update.go,
// configmap.go): the config is seen as a flat map of elements (groups, values, policies) keyed
// by path, each with a version and a mod_policy. A CONFIG_UPDATE's read set must match current
// versions; its write set's changed elements (the delta) must each be at version current + 1
// (or 0 for a new element), and the mod_policy of every changed existing element must be
// satisfied by the update's signatures (each signs signature_header ‖ config_update). New
// elements need no policy of their own, but they only enter the config through their parent
// group's new version, so adding an organisation under Application needs
// /Channel/Application/Admins — MAJORITY of the members' admins.
import { createHash, randomBytes } from 'node:crypto';
import { common } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { policyFailure, validIdentities, type SignedData } from '../policies';
import type { OrdererSigner } from '../orderer/orderer';
import type { ChannelConfig } from './config';

type Element =
  | { kind: 'Group'; path: string; version: number; modPolicy: string; group: common.ConfigGroup }
  | { kind: 'Value'; path: string; version: number; modPolicy: string; value: common.ConfigValue }
  | {
      kind: 'Policy';
      path: string;
      version: number;
      modPolicy: string;
      policy: common.ConfigPolicy;
    };

export class ConfigUpdateError extends Error {
  override name = 'ConfigUpdateError';
}

// Fabric's configmap.go prefixes: the keys appear in its error messages exactly so.
const PREFIX: Record<Element['kind'], string> = {
  Group: '[Group]  ',
  Value: '[Value]  ',
  Policy: '[Policy] ',
};
const keyOf = (kind: Element['kind'], path: string) => `${PREFIX[kind]}${path}`;

/** Fabric's mapConfig: every element of the tree under `root`, by "[Kind] /Channel/…" key. */
function flatten(root: common.ConfigGroup, rootName = 'Channel'): Map<string, Element> {
  const out = new Map<string, Element>();
  const walk = (group: common.ConfigGroup, path: string) => {
    out.set(keyOf('Group', path), {
      kind: 'Group',
      path,
      version: group.getVersion(),
      modPolicy: group.getModPolicy(),
      group,
    });
    group.getValuesMap().forEach((value, name) =>
      out.set(keyOf('Value', `${path}/${name}`), {
        kind: 'Value',
        path: `${path}/${name}`,
        version: value.getVersion(),
        modPolicy: value.getModPolicy(),
        value,
      }),
    );
    group.getPoliciesMap().forEach((policy, name) =>
      out.set(keyOf('Policy', `${path}/${name}`), {
        kind: 'Policy',
        path: `${path}/${name}`,
        version: policy.getVersion(),
        modPolicy: policy.getModPolicy(),
        policy,
      }),
    );
    group.getGroupsMap().forEach((child, name) => walk(child, `${path}/${name}`));
  };
  walk(root, `/${rootName}`);
  return out;
}

/** The policy path an element's mod_policy names: absolute, or relative to its group. */
function modPolicyPath(element: Element): string {
  const mp = element.modPolicy;
  if (mp.startsWith('/')) return mp;
  const group =
    element.kind === 'Group' ? element.path : element.path.slice(0, element.path.lastIndexOf('/'));
  return `${group}/${mp}`;
}

/** Fabric's configMapToConfig: rebuilds the tree; each group lists its children by name. */
function rebuild(map: Map<string, Element>, path: string): common.ConfigGroup {
  const entry = map.get(keyOf('Group', path));
  if (!entry || entry.kind !== 'Group')
    throw new ConfigUpdateError(`missing group at path: ${path}`);
  const out = new common.ConfigGroup();
  out.setVersion(entry.version);
  out.setModPolicy(entry.modPolicy);
  entry.group.getValuesMap().forEach((_v, name) => {
    const e = map.get(keyOf('Value', `${path}/${name}`));
    if (!e || e.kind !== 'Value')
      throw new ConfigUpdateError(`missing value at path: ${path}/${name}`);
    out.getValuesMap().set(name, e.value);
  });
  entry.group.getPoliciesMap().forEach((_p, name) => {
    const e = map.get(keyOf('Policy', `${path}/${name}`));
    if (!e || e.kind !== 'Policy')
      throw new ConfigUpdateError(`missing policy at path: ${path}/${name}`);
    out.getPoliciesMap().set(name, e.policy);
  });
  entry.group
    .getGroupsMap()
    .forEach((_g, name) => out.getGroupsMap().set(name, rebuild(map, `${path}/${name}`)));
  return out;
}

/** The signatures of a ConfigUpdateEnvelope as signed data (protoutil.ConfigUpdateEnvelopeAsSignedData). */
export function configUpdateSignatures(env: common.ConfigUpdateEnvelope): SignedData[] {
  return env.getSignaturesList().map((s) => ({
    identity: common.SignatureHeader.deserializeBinary(
      s.getSignatureHeader_asU8(),
    ).getCreator_asU8(),
    data: Buffer.concat([s.getSignatureHeader_asU8(), env.getConfigUpdate_asU8()]),
    signature: s.getSignature_asU8(),
  }));
}

/**
 * Fabric's ProposeConfigUpdate: authorizes the update in a CONFIG_UPDATE envelope against the
 * current configuration and returns the new configuration (sequence + 1). Throws
 * ConfigUpdateError naming what is wrong.
 */
export function proposeConfigUpdate(
  current: ChannelConfig,
  updateEnvelope: common.Envelope,
): common.Config {
  let cue: common.ConfigUpdateEnvelope;
  let update: common.ConfigUpdate;
  try {
    const payload = common.Payload.deserializeBinary(updateEnvelope.getPayload_asU8());
    const ch = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8());
    if (ch.getType() !== common.HeaderType.CONFIG_UPDATE)
      throw new Error(`header type ${ch.getType()} is not CONFIG_UPDATE`);
    cue = common.ConfigUpdateEnvelope.deserializeBinary(payload.getData_asU8());
    update = common.ConfigUpdate.deserializeBinary(cue.getConfigUpdate_asU8());
  } catch (e) {
    throw new ConfigUpdateError(`malformed config update: ${(e as Error).message}`);
  }
  if (update.getChannelId() !== current.channelId) {
    throw new ConfigUpdateError(
      `ConfigUpdate for channel '${update.getChannelId()}' but envelope for channel '${current.channelId}'`,
    );
  }
  const existing = flatten(current.config.getChannelGroup()!);
  const readSet = update.getReadSet() ? flatten(update.getReadSet()!) : new Map<string, Element>();
  const writeSet = update.getWriteSet()
    ? flatten(update.getWriteSet()!)
    : new Map<string, Element>();
  // Fabric's wording: "error authorizing update: error validating ReadSet|DeltaSet: …".
  const refuse = (stage: string, message: string) =>
    new ConfigUpdateError(`error authorizing update: error validating ${stage}: ${message}`);
  for (const [key, read] of readSet) {
    const have = existing.get(key);
    if (!have)
      throw refuse(
        'ReadSet',
        `existing config does not contain element for ${key} but was in the read set`,
      );
    if (have.version !== read.version) {
      throw refuse(
        'ReadSet',
        `proposed update requires that key ${key} be at version ${read.version}, but it is currently at version ${have.version}`,
      );
    }
  }
  const delta = [...writeSet].filter(([key, w]) => readSet.get(key)?.version !== w.version);
  if (delta.length === 0)
    throw refuse('DeltaSet', 'delta set was empty -- update would have no effect');
  const signers = validIdentities(configUpdateSignatures(cue), current.msps);
  for (const [key, w] of delta) {
    if (!w.modPolicy)
      throw refuse('DeltaSet', `invalid mod_policy for element ${key}: mod_policy not set`);
    const have = existing.get(key);
    if (!have) {
      if (w.version !== 0)
        throw refuse(
          'DeltaSet',
          `attempted to set key ${key} to version ${w.version}, but key does not exist`,
        );
      continue;
    }
    if (w.version !== have.version + 1) {
      throw refuse(
        'DeltaSet',
        `attempt to set key ${key} to version ${w.version}, but key is at version ${have.version}`,
      );
    }
    const policy = current.policy(modPolicyPath(have));
    if (!policy)
      throw refuse('DeltaSet', `unexpected missing policy ${have.modPolicy} for item ${key}`);
    const failure = policyFailure(policy, signers);
    if (failure) throw refuse('DeltaSet', `policy for ${key} not satisfied: ${failure}`);
  }
  const proposed = new Map(existing);
  for (const [key, w] of delta) proposed.set(key, w);
  const config = new common.Config();
  config.setSequence(current.sequence + 1);
  config.setChannelGroup(rebuild(proposed, '/Channel'));
  return config;
}

/** The CONFIG envelope the orderer orders for an accepted update, signed by orderer0. */
export function signedConfigEnvelope(
  channel: string,
  config: common.Config,
  lastUpdate: common.Envelope,
  signer: OrdererSigner,
): common.Envelope {
  const nonce = randomBytes(24);
  const ts = new Timestamp();
  const now = Date.now();
  ts.setSeconds(Math.floor(now / 1000));
  ts.setNanos((now % 1000) * 1e6);
  const ch = new common.ChannelHeader();
  ch.setType(common.HeaderType.CONFIG);
  ch.setChannelId(channel);
  ch.setTimestamp(ts);
  ch.setTxId(createHash('sha256').update(nonce).update(signer.serialized).digest('hex'));
  const sh = new common.SignatureHeader();
  sh.setCreator(signer.serialized);
  sh.setNonce(nonce);
  const header = new common.Header();
  header.setChannelHeader(ch.serializeBinary());
  header.setSignatureHeader(sh.serializeBinary());
  const ce = new common.ConfigEnvelope();
  ce.setConfig(config);
  ce.setLastUpdate(lastUpdate);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(ce.serializeBinary());
  const payloadBytes = payload.serializeBinary();
  const env = new common.Envelope();
  env.setPayload(payloadBytes);
  env.setSignature(signer.sign(payloadBytes));
  return env;
}

/**
 * The committer's check of a CONFIG transaction: it must carry the update that produced it, and
 * re-applying that update to the current configuration must give exactly the configuration it
 * carries. Returns the new configuration.
 */
export function verifyConfigTransaction(
  current: ChannelConfig,
  configEnvelope: common.Envelope,
): common.Config {
  const payload = common.Payload.deserializeBinary(configEnvelope.getPayload_asU8());
  const ce = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
  const lastUpdate = ce.getLastUpdate();
  const carried = ce.getConfig();
  if (!lastUpdate || !carried) throw new ConfigUpdateError('config transaction without its update');
  const expected = proposeConfigUpdate(current, lastUpdate);
  if (!Buffer.from(expected.serializeBinary()).equals(Buffer.from(carried.serializeBinary()))) {
    throw new ConfigUpdateError('config transaction does not match the result of its update');
  }
  return carried;
}

/** Something that signs as a Fabric identity (devnet-peer's SigningIdentity). */
export interface ConfigSigner {
  readonly serialized: Buffer;
  sign(message: Uint8Array): Buffer;
}

/** A group carrying only its version and the names of its children at their versions. */
function skeleton(group: common.ConfigGroup, version = group.getVersion()): common.ConfigGroup {
  const out = new common.ConfigGroup();
  out.setVersion(version);
  out.setModPolicy(group.getModPolicy());
  group.getValuesMap().forEach((v, name) => {
    const x = new common.ConfigValue();
    x.setVersion(v.getVersion());
    x.setModPolicy(v.getModPolicy());
    out.getValuesMap().set(name, x);
  });
  group.getPoliciesMap().forEach((p, name) => {
    const x = new common.ConfigPolicy();
    x.setVersion(p.getVersion());
    x.setModPolicy(p.getModPolicy());
    out.getPoliciesMap().set(name, x);
  });
  group.getGroupsMap().forEach((g, name) => {
    const x = new common.ConfigGroup();
    x.setVersion(g.getVersion());
    x.setModPolicy(g.getModPolicy());
    out.getGroupsMap().set(name, x);
  });
  return out;
}

/**
 * The ConfigUpdate that adds an application organisation (what `configtxlator compute_update`
 * produces for that change): the Application group moves to its next version with the new
 * organisation's group among its children.
 */
export function addApplicationOrgUpdate(
  current: ChannelConfig,
  orgName: string,
  orgGroup: common.ConfigGroup,
): common.ConfigUpdate {
  const root = current.config.getChannelGroup()!;
  const app = root.getGroupsMap().get('Application');
  if (!app) throw new ConfigUpdateError('the channel has no Application group');
  if (app.getGroupsMap().get(orgName))
    throw new ConfigUpdateError(`organisation ${orgName} is already a member`);
  const readRoot = new common.ConfigGroup();
  readRoot.setVersion(root.getVersion());
  readRoot.getGroupsMap().set('Application', skeleton(app));
  const writeApp = skeleton(app, app.getVersion() + 1);
  writeApp.getGroupsMap().set(orgName, orgGroup);
  const writeRoot = new common.ConfigGroup();
  writeRoot.setVersion(root.getVersion());
  writeRoot.getGroupsMap().set('Application', writeApp);
  const update = new common.ConfigUpdate();
  update.setChannelId(current.channelId);
  update.setReadSet(readRoot);
  update.setWriteSet(writeRoot);
  return update;
}

/** One admin's signature over a config update (a ConfigSignature). */
export function signConfigUpdate(
  updateBytes: Uint8Array,
  signer: ConfigSigner,
): common.ConfigSignature {
  const sh = new common.SignatureHeader();
  sh.setCreator(signer.serialized);
  sh.setNonce(randomBytes(24));
  const shBytes = sh.serializeBinary();
  const sig = new common.ConfigSignature();
  sig.setSignatureHeader(shBytes);
  sig.setSignature(signer.sign(Buffer.concat([shBytes, updateBytes])));
  return sig;
}

/** The CONFIG_UPDATE envelope to broadcast: the update with its signatures, signed by the submitter. */
export function configUpdateEnvelope(
  channel: string,
  updateBytes: Uint8Array,
  signatures: common.ConfigSignature[],
  submitter: ConfigSigner,
): common.Envelope {
  const cue = new common.ConfigUpdateEnvelope();
  cue.setConfigUpdate(updateBytes);
  cue.setSignaturesList(signatures);
  const nonce = randomBytes(24);
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(Date.now() / 1000));
  const ch = new common.ChannelHeader();
  ch.setType(common.HeaderType.CONFIG_UPDATE);
  ch.setChannelId(channel);
  ch.setTimestamp(ts);
  ch.setTxId(createHash('sha256').update(nonce).update(submitter.serialized).digest('hex'));
  const sh = new common.SignatureHeader();
  sh.setCreator(submitter.serialized);
  sh.setNonce(nonce);
  const header = new common.Header();
  header.setChannelHeader(ch.serializeBinary());
  header.setSignatureHeader(sh.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(cue.serializeBinary());
  const payloadBytes = payload.serializeBinary();
  const env = new common.Envelope();
  env.setPayload(payloadBytes);
  env.setSignature(submitter.sign(payloadBytes));
  return env;
}
