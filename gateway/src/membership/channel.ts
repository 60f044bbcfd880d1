// The channel side of a membership change, the same on devnet and on real Fabric (both speak
// Fabric's Deliver and AtomicBroadcast): read the channel's current configuration from this
// hospital's peer (the newest block names the last config block), compute the ConfigUpdate that
// adds a candidate organisation, sign it as an admin (a ConfigSignature), and hand the update with
// the collected signatures to an orderer named in the configuration. The orderer checks them
// against the channel's policies: adding an organisation needs MAJORITY of the members' Admins.
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { signers } from '@hyperledger/fabric-gateway';
import {
  common,
  msp as mspProto,
  orderer as ordererProto,
  peer as peerProto,
} from '@hyperledger/fabric-protos';
import { CodedError } from '@ehr/common';
import { applicationOrgGroup } from '@ehr/devnet/dist/src/channelconfig/genesis';
import { ChannelConfig } from '@ehr/devnet/dist/src/channelconfig/config';
import {
  addApplicationOrgUpdate,
  configUpdateEnvelope,
} from '@ehr/devnet/dist/src/channelconfig/update';
import { PeerBlockSource, type PeerEndpoint } from '@ehr/evm-anchor/deliver';
import { ordererBlockMetadata } from '@ehr/network';

/** An admin (or any member) identity, its key unlocked for this request. */
export interface AdminSigner {
  mspId: string;
  certificate: string;
  privateKey: KeyObject;
}

/** The candidate as the proposal describes it. */
export interface Candidate {
  mspId: string;
  caRootCertPem: string;
  /** host:port of its peer (anchor peer for gossip between organisations on Fabric). */
  peerEndpoint: string;
}

/** Signs SHA-256(message) with the identity's key: DER, low-S ECDSA, as Fabric requires. */
function signMessage(s: AdminSigner, message: Uint8Array): Promise<Uint8Array> {
  return signers.newPrivateKeySigner(s.privateKey)(createHash('sha256').update(message).digest());
}

/** The channel's configuration in force: the newest block's LAST_CONFIG block, from our peer. */
export async function currentChannelConfig(
  peer: PeerEndpoint,
  channel: string,
  reader: AdminSigner,
): Promise<ChannelConfig> {
  const source = new PeerBlockSource(peer, channel, {
    ...reader,
    sign: (m) => signMessage(reader, m),
  });
  try {
    const newest = await source.newest();
    const last = BigInt(ordererBlockMetadata(newest).getLastConfig()?.getIndex() ?? 0);
    let configBlock = newest;
    if (BigInt(newest.getHeader()!.getNumber()) !== last) {
      for await (const b of source.blocks(last, last)) configBlock = b;
    }
    return ChannelConfig.fromBlock(configBlock);
  } catch (e) {
    if (e instanceof CodedError) throw e;
    throw new CodedError(
      'LEDGER_UNAVAILABLE',
      `The channel configuration could not be read: ${(e as Error).message}`,
    );
  }
}

/**
 * The group name a candidate gets under /Channel/Application, following the channel's own
 * convention: configtxgen's channels (real Fabric here) name each organisation's group by its MSP
 * id, devnet's by the organisation's name (the MSP id without "MSP").
 */
export function orgNameOf(current: ChannelConfig, mspId: string): string {
  const app = current.config.getChannelGroup()!.getGroupsMap().get('Application');
  const byMspId = app
    ?.getGroupsMap()
    .getEntryList()
    .some(([name]) => String(name).endsWith('MSP'));
  return byMspId ? mspId : mspId.replace(/MSP$/, '');
}

/**
 * The candidate's MSP as our CAs lay out every organisation's (network/src/ca/identities.ts): one
 * root CA for identities and TLS, NodeOUs by the certificate's OU (client, peer, admin, orderer).
 */
function candidateMsp(c: Candidate): mspProto.FabricMSPConfig {
  const root = Buffer.from(c.caRootCertPem.replace(/\r\n/g, '\n'));
  const cfg = new mspProto.FabricMSPConfig();
  cfg.setName(c.mspId);
  cfg.setRootCertsList([root]);
  cfg.setTlsRootCertsList([root]);
  const crypto = new mspProto.FabricCryptoConfig();
  crypto.setSignatureHashFamily('SHA2');
  crypto.setIdentityIdentifierHashFunction('SHA256');
  cfg.setCryptoConfig(crypto);
  const ou = (name: string) => {
    const id = new mspProto.FabricOUIdentifier();
    id.setCertificate(root);
    id.setOrganizationalUnitIdentifier(name);
    return id;
  };
  const nodeOus = new mspProto.FabricNodeOUs();
  nodeOus.setEnable(true);
  nodeOus.setClientOuIdentifier(ou('client'));
  nodeOus.setPeerOuIdentifier(ou('peer'));
  nodeOus.setAdminOuIdentifier(ou('admin'));
  nodeOus.setOrdererOuIdentifier(ou('orderer'));
  cfg.setFabricNodeOus(nodeOus);
  return cfg;
}

/** The ConfigUpdate (bytes) adding the candidate to the channel configuration `current`. */
export function orgAdditionUpdate(current: ChannelConfig, c: Candidate): Uint8Array {
  const name = orgNameOf(current, c.mspId);
  const group = applicationOrgGroup({ name, mspId: c.mspId, msp: candidateMsp(c) });
  const [host, port] = [
    c.peerEndpoint.slice(0, c.peerEndpoint.lastIndexOf(':')),
    Number(c.peerEndpoint.slice(c.peerEndpoint.lastIndexOf(':') + 1)),
  ];
  const anchor = new peerProto.AnchorPeer();
  anchor.setHost(host);
  anchor.setPort(port);
  const anchors = new peerProto.AnchorPeers();
  anchors.setAnchorPeersList([anchor]);
  const value = new common.ConfigValue();
  value.setValue(anchors.serializeBinary());
  value.setModPolicy('Admins');
  group.getValuesMap().set('AnchorPeers', value);
  try {
    return addApplicationOrgUpdate(current, name, group).serializeBinary();
  } catch (e) {
    throw new CodedError('ALREADY_EXISTS', (e as Error).message);
  }
}

/** Whether the update was computed from the configuration in force (its read set's versions). */
export function updateIsCurrent(current: ChannelConfig, updateBytes: Uint8Array): boolean {
  const update = common.ConfigUpdate.deserializeBinary(updateBytes);
  const readApp = update.getReadSet()?.getGroupsMap().get('Application');
  const app = current.config.getChannelGroup()!.getGroupsMap().get('Application');
  return (
    !!readApp &&
    !!app &&
    readApp.getVersion() === app.getVersion() &&
    update.getChannelId() === current.channelId
  );
}

/** This admin's ConfigSignature over the update: the parts the chaincode stores, base64. */
export async function signConfigUpdate(
  admin: AdminSigner,
  updateBytes: Uint8Array,
): Promise<{ signatureHeader: string; signature: string }> {
  const creator = new mspProto.SerializedIdentity();
  creator.setMspid(admin.mspId);
  creator.setIdBytes(Buffer.from(admin.certificate));
  const header = new common.SignatureHeader();
  header.setCreator(creator.serializeBinary());
  header.setNonce(randomBytes(24));
  const headerBytes = header.serializeBinary();
  const signature = await signMessage(admin, Buffer.concat([headerBytes, updateBytes]));
  return {
    signatureHeader: Buffer.from(headerBytes).toString('base64'),
    signature: Buffer.from(signature).toString('base64'),
  };
}

/** The CONFIG_UPDATE envelope with the collected signatures, signed by `submitter`. */
export async function configUpdateTransaction(
  channel: string,
  updateBytes: Uint8Array,
  signatures: { signatureHeader: string; signature: string }[],
  submitter: AdminSigner,
): Promise<Uint8Array> {
  const sigs = signatures.map((s) => {
    const cs = new common.ConfigSignature();
    cs.setSignatureHeader(Buffer.from(s.signatureHeader, 'base64'));
    cs.setSignature(Buffer.from(s.signature, 'base64'));
    return cs;
  });
  const creator = new mspProto.SerializedIdentity();
  creator.setMspid(submitter.mspId);
  creator.setIdBytes(Buffer.from(submitter.certificate));
  // devnet's envelope builder signs synchronously: it gets a placeholder, replaced by the real
  // (asynchronous, low-S) signature over the same payload bytes.
  const envelope = configUpdateEnvelope(channel, updateBytes, sigs, {
    serialized: Buffer.from(creator.serializeBinary()),
    sign: () => Buffer.alloc(0),
  });
  envelope.setSignature(await signMessage(submitter, envelope.getPayload_asU8()));
  return envelope.serializeBinary();
}

/** Orderer endpoints and their TLS roots, from the orderer organisations of the configuration. */
export function orderersOf(current: ChannelConfig): { address: string; tlsRoots: Buffer[] }[] {
  const out: { address: string; tlsRoots: Buffer[] }[] = [];
  const ordererGroup = current.config.getChannelGroup()!.getGroupsMap().get('Orderer');
  ordererGroup?.getGroupsMap().forEach((org) => {
    const endpoints = org.getValuesMap().get('Endpoints');
    const mspValue = org.getValuesMap().get('MSP');
    if (!endpoints || !mspValue) return;
    const fabric = mspProto.FabricMSPConfig.deserializeBinary(
      mspProto.MSPConfig.deserializeBinary(mspValue.getValue_asU8()).getConfig_asU8(),
    );
    const tlsRoots = fabric.getTlsRootCertsList_asU8().map((c) => Buffer.from(c));
    for (const address of common.OrdererAddresses.deserializeBinary(
      endpoints.getValue_asU8(),
    ).getAddressesList())
      out.push({ address, tlsRoots });
  });
  return out;
}

const STATUS_NAMES = Object.fromEntries(Object.entries(common.Status).map(([k, v]) => [v, k]));

/** One Broadcast to one orderer: resolves with its status and info. */
function broadcastOnce(
  address: string,
  tlsRoots: Buffer[],
  envelope: Uint8Array,
  timeoutMs: number,
): Promise<{ status: number; info: string }> {
  const client = new grpc.Client(address, grpc.credentials.createSsl(Buffer.concat(tlsRoots)));
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      '/orderer.AtomicBroadcast/Broadcast',
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => ordererProto.BroadcastResponse.deserializeBinary(b),
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
    );
    call.on('data', (r: ordererProto.BroadcastResponse) => {
      resolve({ status: r.getStatus(), info: r.getInfo() });
      call.end();
    });
    call.on('error', (e) => reject(e));
    call.on('close', () => client.close());
    call.write(envelope);
  });
}

/**
 * Hands the signed update to the first orderer that answers. The orderer's refusal (e.g. too few
 * admins' signatures for the channel's policy) is CONFIG_UPDATE_REFUSED with its words.
 */
export async function submitConfigUpdate(
  current: ChannelConfig,
  envelope: Uint8Array,
  timeoutMs = 30_000,
): Promise<void> {
  const orderers = orderersOf(current);
  if (!orderers.length)
    throw new CodedError('LEDGER_UNAVAILABLE', 'The channel configuration names no orderer.');
  const failures: string[] = [];
  for (const o of orderers) {
    let answer: { status: number; info: string };
    try {
      answer = await broadcastOnce(o.address, o.tlsRoots, envelope, timeoutMs);
    } catch (e) {
      failures.push(`${o.address}: ${(e as Error).message}`);
      continue;
    }
    if (answer.status === common.Status.SUCCESS) return;
    throw new CodedError('CONFIG_UPDATE_REFUSED', undefined, {
      orderer: o.address,
      status: STATUS_NAMES[answer.status] ?? answer.status,
      info: answer.info,
    });
  }
  throw new CodedError('LEDGER_UNAVAILABLE', `No orderer took the update: ${failures.join('; ')}`);
}
