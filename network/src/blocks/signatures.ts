// Block signatures as the orderer writes them (orderer/common/multichannel/blockwriter.go) and
// peers check them (protoutil.BlockSignatureVerifier): metadata SIGNATURES holds a
// common.Metadata whose value is an OrdererBlockMetadata (last config index, consenter metadata);
// each MetadataSignature signs value ‖ signature_header ‖ BlockHeaderBytes(header), and its
// signature header's creator is the signer's serialized identity (MSP id + PEM certificate).
import { X509Certificate } from 'node:crypto';
import { common, msp } from '@hyperledger/fabric-protos';
import { verifyEcdsa } from './ecdsa';
import { blockHeaderBytes } from './header';

/** What one signature covers, as Fabric's protoutil.SignedData. */
export interface SignedData {
  /** Serialized msp.SerializedIdentity of the signer. */
  identity: Uint8Array;
  data: Uint8Array;
  signature: Uint8Array;
}

function headerOf(block: common.Block): common.BlockHeader {
  const header = block.getHeader();
  if (!header) throw new Error('block has no header');
  return header;
}

/** The signed data of every signature in the block's SIGNATURES metadata. */
export function blockSignatures(block: common.Block): SignedData[] {
  const raw = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES];
  if (!raw || raw.length === 0) throw new Error('no signatures in block metadata');
  const md = common.Metadata.deserializeBinary(raw);
  const header = headerOf(block);
  const headerBytes = blockHeaderBytes({
    number: header.getNumber(),
    previousHash: header.getPreviousHash_asU8(),
    dataHash: header.getDataHash_asU8(),
  });
  return md.getSignaturesList().map((sig) => {
    const sigHeader = common.SignatureHeader.deserializeBinary(sig.getSignatureHeader_asU8());
    return {
      identity: sigHeader.getCreator_asU8(),
      data: Buffer.concat([md.getValue_asU8(), sig.getSignatureHeader_asU8(), headerBytes]),
      signature: sig.getSignature_asU8(),
    };
  });
}

/** The OrdererBlockMetadata in SIGNATURES (last config index). */
export function ordererBlockMetadata(block: common.Block): common.OrdererBlockMetadata {
  const raw = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES];
  if (!raw || raw.length === 0) throw new Error('no signatures in block metadata');
  return common.OrdererBlockMetadata.deserializeBinary(
    common.Metadata.deserializeBinary(raw).getValue_asU8(),
  );
}

export interface SignerIdentity {
  mspId: string;
  certificate: X509Certificate;
}

export function parseSerializedIdentity(raw: Uint8Array): SignerIdentity {
  const id = msp.SerializedIdentity.deserializeBinary(raw);
  return {
    mspId: id.getMspid(),
    certificate: new X509Certificate(Buffer.from(id.getIdBytes_asU8())),
  };
}

/**
 * Verifies the block's signatures: each must be a valid low-S ECDSA signature by its creator's
 * certificate, and at least one signer must be accepted by `trusted` (which decides whether the
 * identity belongs to the ordering service: MSP id, chain to the orderer CA, validity).
 * Throws when no trusted valid signature is found.
 */
export function verifyBlockSignatures(
  block: common.Block,
  trusted: (signer: SignerIdentity) => boolean,
): SignerIdentity[] {
  const accepted: SignerIdentity[] = [];
  for (const signed of blockSignatures(block)) {
    const signer = parseSerializedIdentity(signed.identity);
    if (!verifyEcdsa(signer.certificate.publicKey, signed.data, signed.signature)) {
      throw new Error(`block ${headerOf(block).getNumber()}: invalid signature by ${signer.mspId}`);
    }
    if (trusted(signer)) accepted.push(signer);
  }
  if (accepted.length === 0) {
    throw new Error(`block ${headerOf(block).getNumber()}: no signature by a trusted orderer`);
  }
  return accepted;
}
