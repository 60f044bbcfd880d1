// Unpacking and checking a signed proposal as Fabric's endorser does (core/endorser/
// msgvalidation.go): header types, epoch, nonce, creator, transaction id = hex(SHA-256(nonce ‖
// creator)), the creator is a valid identity of a channel MSP and signed the proposal bytes.
// Error messages are Fabric's: clients and the conformance suite see the same text.
import { common, peer } from '@hyperledger/fabric-protos';
import { sha256, type Identity, MspError, type MspManager } from '../msp';

export class ProposalError extends Error {
  override name = 'ProposalError';
}

export interface UnpackedProposal {
  signedProposal: peer.SignedProposal;
  proposal: peer.Proposal;
  header: common.Header;
  channelHeader: common.ChannelHeader;
  signatureHeader: common.SignatureHeader;
  chaincodeName: string;
  input: peer.ChaincodeInput;
  /** The chaincode proposal payload (with transient map). */
  payload: peer.ChaincodeProposalPayload;
  /** The payload without the transient map: what the proposal hash and the transaction carry. */
  payloadBytes: Uint8Array;
  /** SHA-256(channel header ‖ signature header ‖ payload without the transient map). */
  proposalHash: Buffer;
  channelId: string;
  txId: string;
}

/** Fabric's protoutil.ComputeTxID. */
export function computeTxId(nonce: Uint8Array, creator: Uint8Array): string {
  return sha256(nonce, creator).toString('hex');
}

/** The payload bytes without the transient map (what the proposal hash and transaction carry). */
export function payloadWithoutTransient(payload: peer.ChaincodeProposalPayload): Uint8Array {
  const p = new peer.ChaincodeProposalPayload();
  p.setInput(payload.getInput_asU8());
  return p.serializeBinary();
}

/** Fabric's UnpackProposal; throws ProposalError for anything that does not decode. */
export function unpackProposal(signedProposal: peer.SignedProposal): UnpackedProposal {
  try {
    const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    const signatureHeader = common.SignatureHeader.deserializeBinary(
      header.getSignatureHeader_asU8(),
    );
    const ext = peer.ChaincodeHeaderExtension.deserializeBinary(channelHeader.getExtension_asU8());
    const chaincodeId = ext.getChaincodeId();
    if (!chaincodeId) throw new ProposalError('ChaincodeHeaderExtension.ChaincodeId is nil');
    if (!chaincodeId.getName())
      throw new ProposalError('ChaincodeHeaderExtension.ChaincodeId.Name is empty');
    const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
    const cis = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8());
    const spec = cis.getChaincodeSpec();
    if (!spec) throw new ProposalError('chaincode invocation spec did not contain chaincode spec');
    const input = spec.getInput();
    if (!input) throw new ProposalError('chaincode input did not contain any input');
    const payloadBytes = payloadWithoutTransient(payload);
    const proposalHash = sha256(
      header.getChannelHeader_asU8(),
      header.getSignatureHeader_asU8(),
      payloadBytes,
    );
    return {
      signedProposal,
      proposal,
      header,
      channelHeader,
      signatureHeader,
      chaincodeName: chaincodeId.getName(),
      input,
      payload,
      payloadBytes,
      proposalHash,
      channelId: channelHeader.getChannelId(),
      txId: channelHeader.getTxId(),
    };
  } catch (err) {
    if (err instanceof ProposalError) throw err;
    throw new ProposalError((err as Error).message);
  }
}

const HeaderType = common.HeaderType;

/**
 * Fabric's UnpackedProposal.Validate; returns the creator. Authentication failures carry the
 * generic "access denied" message Fabric returns (the reason is only logged).
 */
export async function validateProposal(
  up: UnpackedProposal,
  msps: MspManager,
  log?: (msg: string, reason: string) => void,
): Promise<Identity> {
  const type = up.channelHeader.getType();
  if (type !== HeaderType.ENDORSER_TRANSACTION && type !== HeaderType.CONFIG) {
    throw new ProposalError(`invalid header type ${headerTypeName(type)}`);
  }
  if (up.channelHeader.getEpoch() !== 0) throw new ProposalError('epoch is non-zero');
  const nonce = up.signatureHeader.getNonce_asU8();
  const creatorBytes = up.signatureHeader.getCreator_asU8();
  if (nonce.length === 0) throw new ProposalError('nonce is empty');
  if (creatorBytes.length === 0) throw new ProposalError('creator is empty');
  const expected = computeTxId(nonce, creatorBytes);
  if (up.txId !== expected) {
    throw new ProposalError(`incorrectly computed txid '${up.txId}' -- expected '${expected}'`);
  }
  if (up.signedProposal.getProposalBytes_asU8().length === 0)
    throw new ProposalError('empty proposal bytes');
  const signature = up.signedProposal.getSignature_asU8();
  if (signature.length === 0) throw new ProposalError('empty signature bytes');
  let creator: Identity;
  try {
    creator = msps.deserializeIdentity(creatorBytes);
  } catch (err) {
    log?.('access denied', (err as Error).message);
    throw new ProposalError(
      `access denied: channel [${up.channelId}] creator org unknown, creator is malformed`,
    );
  }
  const denied = () =>
    new ProposalError(`access denied: channel [${up.channelId}] creator org [${creator.mspId}]`);
  try {
    creator.validate();
  } catch (err) {
    if (!(err instanceof MspError)) throw err;
    log?.('access denied: identity is not valid', err.message);
    throw denied();
  }
  if (!(await creator.verifyAsync(up.signedProposal.getProposalBytes_asU8(), signature))) {
    log?.("access denied: creator's signature over the proposal is not valid", 'signature');
    throw denied();
  }
  return creator;
}

export function headerTypeName(type: number): string {
  const entry = Object.entries(HeaderType).find(([, v]) => v === type);
  return entry ? entry[0] : String(type);
}
