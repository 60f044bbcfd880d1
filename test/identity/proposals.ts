// Reads what the gateway signed: the SignedProposal inside a gateway.ProposedTransaction, its
// creator (MSP id + certificate) and whether the signature verifies with that certificate.
import { createPublicKey, verify } from 'node:crypto';
import { common, gateway, msp, peer } from '@hyperledger/fabric-protos';
import { certificateAttributes } from '@ehr/network';

export interface SignedBy {
  mspId: string;
  certificate: string;
  attributes: Record<string, string>;
  signatureValid: boolean;
  channel: string;
  transactionId: string;
}

export function signedBy(proposedTransaction: Uint8Array): SignedBy {
  const signed = gateway.ProposedTransaction.deserializeBinary(proposedTransaction).getProposal()!;
  const proposal = peer.Proposal.deserializeBinary(signed.getProposalBytes_asU8());
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const signatureHeader = common.SignatureHeader.deserializeBinary(
    header.getSignatureHeader_asU8(),
  );
  const creator = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8());
  const certificate = Buffer.from(creator.getIdBytes_asU8()).toString('utf8');
  const signatureValid = verify(
    'sha256',
    signed.getProposalBytes_asU8(),
    createPublicKey(certificate),
    signed.getSignature_asU8(),
  );
  return {
    mspId: creator.getMspid(),
    certificate,
    attributes: certificateAttributes(certificate),
    signatureValid,
    channel: channelHeader.getChannelId(),
    transactionId: channelHeader.getTxId(),
  };
}
