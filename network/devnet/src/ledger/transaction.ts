// Reads what the ledger needs out of a transaction envelope: channel header, transaction id,
// timestamp and the public read-write set of an endorser transaction (payload → Transaction →
// ChaincodeActionPayload → ProposalResponsePayload → ChaincodeAction → TxReadWriteSet).
import { common, ledger, peer } from '@hyperledger/fabric-protos';

const { kvrwset } = ledger.rwset;

export interface NamespaceRwSet {
  namespace: string;
  rwset: ledger.rwset.kvrwset.KVRWSet;
}

export interface ParsedTransaction {
  envelope: common.Envelope;
  payload: common.Payload;
  channelHeader: common.ChannelHeader;
  signatureHeader: common.SignatureHeader;
  type: number;
  txId: string;
  timestamp: { seconds: bigint; nanos: number };
  /** Endorser transactions only. */
  endorsed?: {
    /** The transaction action's header (a SignatureHeader). */
    actionHeader: Uint8Array;
    chaincodeActionPayload: peer.ChaincodeActionPayload;
    proposalResponsePayload: Uint8Array;
    /** The proposal hash the endorsers signed (in the proposal response payload). */
    proposalHash: Uint8Array;
    chaincodeAction: peer.ChaincodeAction;
    nsRwSets: NamespaceRwSet[];
  };
}

/** Parses the envelope's headers; throws on anything that does not decode. */
export function parseEnvelopeHeaders(
  envelope: common.Envelope,
): Omit<ParsedTransaction, 'endorsed'> {
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const header = payload.getHeader();
  if (!header) throw new Error('payload has no header');
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const signatureHeader = common.SignatureHeader.deserializeBinary(
    header.getSignatureHeader_asU8(),
  );
  const ts = channelHeader.getTimestamp();
  return {
    envelope,
    payload,
    channelHeader,
    signatureHeader,
    type: channelHeader.getType(),
    txId: channelHeader.getTxId(),
    timestamp: { seconds: BigInt(ts?.getSeconds() ?? 0), nanos: ts?.getNanos() ?? 0 },
  };
}

/** The chaincode action inside an endorser transaction (exactly one action, as Fabric requires). */
export function parseEndorserAction(
  payloadData: Uint8Array,
): NonNullable<ParsedTransaction['endorsed']> {
  const tx = peer.Transaction.deserializeBinary(payloadData);
  const actions = tx.getActionsList();
  if (actions.length !== 1) {
    throw new Error(`only one action per transaction is supported, tx contains ${actions.length}`);
  }
  const chaincodeActionPayload = peer.ChaincodeActionPayload.deserializeBinary(
    actions[0].getPayload_asU8(),
  );
  const endorsedAction = chaincodeActionPayload.getAction();
  if (!endorsedAction) throw new Error('chaincode action payload has no action');
  const proposalResponsePayload = endorsedAction.getProposalResponsePayload_asU8();
  const prp = peer.ProposalResponsePayload.deserializeBinary(proposalResponsePayload);
  const chaincodeAction = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  const txRwSet = ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
  const nsRwSets = txRwSet.getNsRwsetList().map((ns) => ({
    namespace: ns.getNamespace(),
    rwset: kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()),
  }));
  return {
    actionHeader: actions[0].getHeader_asU8(),
    chaincodeActionPayload,
    proposalResponsePayload,
    proposalHash: prp.getProposalHash_asU8(),
    chaincodeAction,
    nsRwSets,
  };
}

export function parseTransaction(raw: Uint8Array): ParsedTransaction {
  const envelope = common.Envelope.deserializeBinary(raw);
  const headers = parseEnvelopeHeaders(envelope);
  if (headers.type !== common.HeaderType.ENDORSER_TRANSACTION) return headers;
  return { ...headers, endorsed: parseEndorserAction(headers.payload.getData_asU8()) };
}
