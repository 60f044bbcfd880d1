// What a channel configuration update (common.ConfigUpdate) does, read from its bytes: the
// chaincode records a membership proposal only when its update adds exactly the proposed
// organisation and changes nothing else, and each approving gateway shows its admin the same
// reading before signing. Pure and deterministic (protobuf parsing only), so every endorser
// agrees.
import { createHash } from 'node:crypto';
import { common, msp as mspProto, peer as peerProto } from '@hyperledger/fabric-protos';

export interface OrgAddition {
  channelId: string;
  /** The organisation's group name under /Channel/Application. */
  orgName: string;
  mspId: string;
  rootCertsPem: string[];
  tlsRootCertsPem: string[];
  /** host:port of the organisation's anchor peers (gossip between organisations on Fabric). */
  anchorPeers: string[];
  /** Version of /Channel/Application the update was computed from (its read set). */
  applicationVersion: number;
}

export class ConfigUpdateReadError extends Error {
  override name = 'ConfigUpdateReadError';
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Certificates as the MSP carries them (PEM bytes); compared without line-ending differences. */
export const normalizePem = (pem: string) => pem.replace(/\r\n/g, '\n').trim() + '\n';

type Versions = Map<string, number>;

/** Every element under `group` (values, policies, child groups) with its version, by path. */
function versions(group: common.ConfigGroup, path: string, out: Versions = new Map()): Versions {
  out.set(`group ${path}`, group.getVersion());
  group.getValuesMap().forEach((v, name) => out.set(`value ${path}/${name}`, v.getVersion()));
  group.getPoliciesMap().forEach((p, name) => out.set(`policy ${path}/${name}`, p.getVersion()));
  group.getGroupsMap().forEach((g, name) => versions(g, `${path}/${name}`, out));
  return out;
}

/**
 * Reads an update that adds one application organisation. Throws ConfigUpdateReadError when
 * the bytes are not a ConfigUpdate, or when it adds anything else or changes anything else.
 */
export function orgAdditionOf(updateBytes: Uint8Array): OrgAddition {
  let update: common.ConfigUpdate;
  try {
    update = common.ConfigUpdate.deserializeBinary(updateBytes);
  } catch (e) {
    throw new ConfigUpdateReadError(`not a ConfigUpdate: ${(e as Error).message}`);
  }
  const readRoot = update.getReadSet();
  const writeRoot = update.getWriteSet();
  const readApp = readRoot?.getGroupsMap().get('Application');
  const writeApp = writeRoot?.getGroupsMap().get('Application');
  if (!readRoot || !writeRoot || !readApp || !writeApp)
    throw new ConfigUpdateReadError('the update does not touch /Channel/Application');
  const added = writeApp
    .getGroupsMap()
    .getEntryList()
    .map(([name]) => name as string)
    .filter((name) => !readApp.getGroupsMap().has(name));
  if (added.length !== 1)
    throw new ConfigUpdateReadError(
      `the update must add exactly one organisation (adds ${added.length})`,
    );
  const orgName = added[0]!;
  if (writeApp.getVersion() !== readApp.getVersion() + 1)
    throw new ConfigUpdateReadError('the Application group must move to its next version');
  // Everything else in the write set must stand at the version it was read at: no other change.
  const read = versions(readRoot, '/Channel');
  const write = versions(writeRoot, '/Channel');
  const orgPrefix = `/Channel/Application/${orgName}`;
  for (const [key, version] of write) {
    const path = key.slice(key.indexOf(' ') + 1);
    if (
      path === orgPrefix ||
      path.startsWith(`${orgPrefix}/`) ||
      key === 'group /Channel/Application'
    )
      continue;
    if (read.get(key) !== version)
      throw new ConfigUpdateReadError(`the update also changes ${key}`);
  }
  const org = writeApp.getGroupsMap().get(orgName)!;
  const mspValue = org.getValuesMap().get('MSP');
  if (!mspValue) throw new ConfigUpdateReadError(`organisation ${orgName} has no MSP value`);
  const mspConfig = mspProto.MSPConfig.deserializeBinary(mspValue.getValue_asU8());
  const fabric = mspProto.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
  const pems = (list: Uint8Array[]) =>
    list.map((c) => normalizePem(Buffer.from(c).toString('utf8')));
  const anchors = org.getValuesMap().get('AnchorPeers');
  const anchorPeers = anchors
    ? peerProto.AnchorPeers.deserializeBinary(anchors.getValue_asU8())
        .getAnchorPeersList()
        .map((a) => `${a.getHost()}:${a.getPort()}`)
    : [];
  return {
    channelId: update.getChannelId(),
    orgName,
    mspId: fabric.getName(),
    rootCertsPem: pems(fabric.getRootCertsList_asU8()),
    tlsRootCertsPem: pems(fabric.getTlsRootCertsList_asU8()),
    anchorPeers,
    applicationVersion: readApp.getVersion(),
  };
}

/** The bytes a member admin signs for a config update: signature header ‖ update (Fabric's rule). */
export function configSignatureMessage(
  signatureHeader: Uint8Array,
  updateBytes: Uint8Array,
): Buffer {
  return Buffer.concat([signatureHeader, updateBytes]);
}

/** The creator (serialized identity) named in a ConfigSignature's signature header. */
export function signatureHeaderCreator(signatureHeader: Uint8Array): {
  mspId: string;
  certificatePem: string;
} {
  const header = common.SignatureHeader.deserializeBinary(signatureHeader);
  const creator = mspProto.SerializedIdentity.deserializeBinary(header.getCreator_asU8());
  return {
    mspId: creator.getMspid(),
    certificatePem: Buffer.from(creator.getIdBytes_asU8()).toString('utf8'),
  };
}
