// Per-transaction validation at commit, as Fabric's core/committer/txvalidator/v20 does it, in
// the same order and with the same codes (protos.TxValidationCode):
//  envelope → payload (BAD_PAYLOAD) → headers (BAD_COMMON_HEADER) → creator's signature over the
//  payload by a valid identity of a channel MSP (BAD_CREATOR_SIGNATURE) → for endorser
//  transactions the transaction id = SHA-256(nonce ‖ creator) (BAD_PROPOSAL_TXID) and the
//  transaction's shape and proposal hash (INVALID_ENDORSER_TRANSACTION) → channel
//  (TARGET_CHAIN_NOT_FOUND) → transaction id already on the ledger (DUPLICATE_TXID) →
//  chaincode checks (INVALID_CHAINCODE, ILLEGAL_WRITESET) → endorsement policies
//  (ENDORSEMENT_POLICY_FAILURE); then duplicates inside the block, then MVCC and phantom reads
//  (mvcc.ts) against committed state and the block's earlier valid writes.
// Like Fabric, the transactions of a block are checked in parallel (signatures verified off the
// main thread) up to the endorsement policies; those are then evaluated in block order, because
// a key-level endorsement policy (the key's VALIDATION_PARAMETER metadata, set through
// PUT_STATE_METADATA) replaces the chaincode's policy for writes to that key and a transaction
// may depend on an earlier one of the same block that changed it (endorsement.ts).
import { createHash } from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import type { SignedData } from '@ehr/network';
import type { MspManager } from '../msp';
import { validIdentitiesAsync, type Policy } from '../policies';
import {
  parseEndorserAction,
  parseEnvelopeHeaders,
  type ParsedTransaction,
} from '../ledger/transaction';
import type { StateReader } from '../interfaces';
import { BlockUpdates, validateReadWriteSet } from './mvcc';
import { EndorsementPolicies, type EndorsementCheck } from './endorsement';

const Code = peer.TxValidationCode;

export interface ValidationContext {
  channel: string;
  /** The channel's MSPs as of the last config block. */
  msps: () => MspManager;
  /** The endorsement policy of a chaincode namespace; undefined: no such chaincode on the channel. */
  endorsementPolicy: (namespace: string) => Policy | undefined;
  /** Committed transaction ids. */
  hasTransaction: (txId: string) => Promise<boolean>;
  state: StateReader;
  /** Validates and applies a CONFIG envelope (channelconfig/); throws when it is not acceptable. */
  applyConfig?: (tx: ParsedTransaction) => void;
  log?: (msg: string, data?: object) => void;
}

export interface ValidatedTransaction {
  code: number;
  tx?: ParsedTransaction;
  reason?: string;
  /** An endorser transaction that passed every check before its endorsement policies. */
  endorsement?: EndorsementCheck;
}

class Invalid extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(code: number, message: string): never {
  throw new Invalid(code, message);
}

const VALID_HEADER_TYPES = new Set<number>([
  common.HeaderType.ENDORSER_TRANSACTION,
  common.HeaderType.CONFIG_UPDATE,
  common.HeaderType.CONFIG,
]);

/** Fabric's ComputeTxID: hex SHA-256 of nonce ‖ creator. */
export function computeTxId(nonce: Uint8Array, creator: Uint8Array): string {
  return createHash('sha256').update(nonce).update(creator).digest('hex');
}

/** Fabric's ValidateTransaction (core/common/validation/msgvalidation.go). */
async function validateEnvelope(
  raw: Uint8Array,
  ctx: ValidationContext,
): Promise<ParsedTransaction> {
  let envelope: common.Envelope;
  try {
    envelope = common.Envelope.deserializeBinary(raw);
  } catch (e) {
    return fail(Code.INVALID_OTHER_REASON, `envelope does not parse: ${(e as Error).message}`);
  }
  let payload: common.Payload;
  try {
    payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  } catch (e) {
    return fail(Code.BAD_PAYLOAD, `payload does not parse: ${(e as Error).message}`);
  }
  const header = payload.getHeader();
  let channelHeader: common.ChannelHeader;
  let signatureHeader: common.SignatureHeader;
  try {
    if (!header) throw new Error('nil header');
    channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  } catch (e) {
    return fail(Code.BAD_COMMON_HEADER, (e as Error).message);
  }
  if (!VALID_HEADER_TYPES.has(channelHeader.getType())) {
    fail(Code.BAD_COMMON_HEADER, `invalid header type ${channelHeader.getType()}`);
  }
  if (channelHeader.getEpoch() !== 0)
    fail(Code.BAD_COMMON_HEADER, 'invalid Epoch in ChannelHeader');
  if (signatureHeader.getNonce_asU8().length === 0)
    fail(Code.BAD_COMMON_HEADER, 'invalid nonce specified in the header');
  const creator = signatureHeader.getCreator_asU8();
  if (creator.length === 0) fail(Code.BAD_COMMON_HEADER, 'invalid creator specified in the header');

  let signed = false;
  try {
    const identity = ctx.msps().validIdentity(creator);
    signed = await identity.verifyAsync(envelope.getPayload_asU8(), envelope.getSignature_asU8());
  } catch (e) {
    fail(Code.BAD_CREATOR_SIGNATURE, (e as Error).message);
  }
  if (!signed)
    fail(Code.BAD_CREATOR_SIGNATURE, "creator's signature over the payload is not valid");

  const ts = channelHeader.getTimestamp();
  const parsed: ParsedTransaction = {
    envelope,
    payload,
    channelHeader,
    signatureHeader,
    type: channelHeader.getType(),
    txId: channelHeader.getTxId(),
    timestamp: { seconds: BigInt(ts?.getSeconds() ?? 0), nanos: ts?.getNanos() ?? 0 },
  };
  switch (parsed.type) {
    case common.HeaderType.ENDORSER_TRANSACTION: {
      if (computeTxId(signatureHeader.getNonce_asU8(), creator) !== parsed.txId) {
        fail(Code.BAD_PROPOSAL_TXID, `invalid txid ${parsed.txId}`);
      }
      try {
        const endorsed = (parsed.endorsed = parseEndorserAction(payload.getData_asU8()));
        const actionHeader = common.SignatureHeader.deserializeBinary(endorsed.actionHeader);
        if (
          actionHeader.getNonce_asU8().length === 0 ||
          actionHeader.getCreator_asU8().length === 0
        ) {
          throw new Error('invalid action signature header');
        }
        const proposalHash = createHash('sha256')
          .update(header!.getChannelHeader_asU8())
          .update(endorsed.actionHeader)
          .update(endorsed.chaincodeActionPayload.getChaincodeProposalPayload_asU8())
          .digest();
        if (!proposalHash.equals(endorsed.proposalHash))
          throw new Error('proposal hash does not match');
      } catch (e) {
        if (e instanceof Invalid) throw e;
        fail(Code.INVALID_ENDORSER_TRANSACTION, (e as Error).message);
      }
      return parsed;
    }
    case common.HeaderType.CONFIG:
      if (payload.getData_asU8().length === 0)
        fail(Code.INVALID_CONFIG_TRANSACTION, 'nil arguments');
      return parsed;
    default:
      return fail(Code.UNSUPPORTED_TX_PAYLOAD, `unsupported header type ${parsed.type}`);
  }
}

/** The endorsements as signed data: each endorser signs proposal_response_payload ‖ endorser. */
function endorsementSignatures(tx: ParsedTransaction): SignedData[] {
  const action = tx.endorsed!.chaincodeActionPayload.getAction()!;
  const prp = action.getProposalResponsePayload_asU8();
  return action.getEndorsementsList().map((e) => ({
    identity: e.getEndorser_asU8(),
    data: Buffer.concat([prp, e.getEndorser_asU8()]),
    signature: e.getSignature_asU8(),
  }));
}

/**
 * Fabric's plugin dispatcher up to the validation plugin: the chaincode and namespace checks,
 * then the endorsers as Fabric's SignatureSetToValidIdentities makes them (signatures verified,
 * unknown signers and duplicates dropped) for the policies evaluated later in block order.
 */
async function checkEndorsed(
  tx: ParsedTransaction,
  ctx: ValidationContext,
): Promise<EndorsementCheck> {
  let ccName: string;
  try {
    const ext = peer.ChaincodeHeaderExtension.deserializeBinary(
      tx.channelHeader.getExtension_asU8(),
    );
    const id = ext.getChaincodeId();
    if (!id) return fail(Code.INVALID_OTHER_REASON, 'nil ChaincodeId in header extension');
    ccName = id.getName();
  } catch (e) {
    if (e instanceof Invalid) throw e;
    return fail(Code.BAD_HEADER_EXTENSION, (e as Error).message);
  }
  const { chaincodeAction, nsRwSets } = tx.endorsed!;
  const responseId = chaincodeAction.getChaincodeId();
  if (!responseId) fail(Code.INVALID_OTHER_REASON, 'nil ChaincodeId in ChaincodeAction');
  if (ccName === '') fail(Code.INVALID_CHAINCODE, 'invalid chaincode ID');
  if (ccName !== responseId!.getName())
    fail(Code.INVALID_CHAINCODE, `inconsistent ccid info (${ccName}/${responseId!.getName()})`);
  if (responseId!.getVersion() === '') fail(Code.INVALID_CHAINCODE, 'invalid chaincode version');
  const events = chaincodeAction.getEvents_asU8();
  if (events.length) {
    let event: peer.ChaincodeEvent;
    try {
      event = peer.ChaincodeEvent.deserializeBinary(events);
    } catch (e) {
      return fail(Code.INVALID_OTHER_REASON, `invalid chaincode event: ${(e as Error).message}`);
    }
    if (event.getChaincodeId() !== ccName) {
      fail(
        Code.INVALID_OTHER_REASON,
        'chaincode event chaincode id does not match chaincode action chaincode id',
      );
    }
  }
  const written = new Set([ccName]);
  const seen = new Set<string>();
  for (const ns of nsRwSets) {
    if (seen.has(ns.namespace))
      fail(Code.ILLEGAL_WRITESET, `duplicate namespace '${ns.namespace}' in txRWSet`);
    seen.add(ns.namespace);
    if (ns.rwset.getWritesList().length || ns.rwset.getMetadataWritesList().length)
      written.add(ns.namespace);
  }
  const namespaces = new Map<string, Policy>();
  for (const ns of written) {
    const policy = ctx.endorsementPolicy(ns);
    if (!policy)
      fail(Code.INVALID_CHAINCODE, `chaincode ${ns} is not defined on channel ${ctx.channel}`);
    namespaces.set(ns, policy!);
  }
  return {
    namespaces,
    nsRwSets,
    endorsers: await validIdentitiesAsync(endorsementSignatures(tx), ctx.msps()),
  };
}

/** Validates one transaction up to (not including) the in-block duplicate and MVCC checks. */
async function validateTransaction(
  raw: Uint8Array,
  ctx: ValidationContext,
): Promise<ValidatedTransaction> {
  let tx: ParsedTransaction | undefined;
  try {
    tx = await validateEnvelope(raw, ctx);
    if (tx.channelHeader.getChannelId() !== ctx.channel) {
      fail(Code.TARGET_CHAIN_NOT_FOUND, `channel ${tx.channelHeader.getChannelId()} not found`);
    }
    if (tx.type === common.HeaderType.ENDORSER_TRANSACTION) {
      if (await ctx.hasTransaction(tx.txId))
        fail(Code.DUPLICATE_TXID, `transaction ${tx.txId} already committed`);
      return { code: Code.VALID, tx, endorsement: await checkEndorsed(tx, ctx) };
    }
    return { code: Code.VALID, tx };
  } catch (e) {
    // The header's transaction id, when it parses, tells a waiting client what became of it.
    tx ??= headersIfParsable(raw);
    if (e instanceof Invalid) return { code: e.code, tx, reason: e.message };
    return { code: Code.INVALID_OTHER_REASON, tx, reason: (e as Error).message };
  }
}

function headersIfParsable(raw: Uint8Array): ParsedTransaction | undefined {
  try {
    return parseEnvelopeHeaders(common.Envelope.deserializeBinary(raw));
  } catch {
    return undefined;
  }
}

/**
 * Validates a block's transactions in order and returns one code per transaction (the block's
 * TRANSACTIONS_FILTER) with the parsed transactions.
 */
export async function validateBlock(
  block: common.Block,
  ctx: ValidationContext,
): Promise<ValidatedTransaction[]> {
  const data = block.getData()?.getDataList_asU8() ?? [];
  const blockNum = BigInt(block.getHeader()?.getNumber() ?? 0);
  // In parallel, as Fabric's validator goroutines: everything that does not depend on the
  // block's other transactions.
  const results = await Promise.all(data.map((raw) => validateTransaction(raw, ctx)));

  // In block order: a configuration (alone in its block) and the endorsement policies.
  const policies = new EndorsementPolicies(ctx.state, blockNum);
  for (const [txNum, r] of results.entries()) {
    if (r.code !== Code.VALID) continue;
    if (r.tx?.type === common.HeaderType.CONFIG) {
      try {
        if (!ctx.applyConfig) throw new Error('configuration transactions are not accepted here');
        ctx.applyConfig(r.tx);
      } catch (e) {
        r.code = Code.INVALID_CONFIG_TRANSACTION;
        r.reason = (e as Error).message;
      }
    } else if (r.endorsement) {
      const failure = await policies.evaluate(txNum, r.endorsement);
      if (failure) {
        r.code = Code.ENDORSEMENT_POLICY_FAILURE;
        r.reason = failure;
      }
    }
  }

  // markTXIdDuplicates: the second valid endorser transaction with an id in this block.
  const ids = new Set<string>();
  for (const r of results) {
    if (r.code !== Code.VALID || r.tx?.type !== common.HeaderType.ENDORSER_TRANSACTION) continue;
    if (ids.has(r.tx.txId)) {
      r.code = Code.DUPLICATE_TXID;
      r.reason = `duplicate transaction id ${r.tx.txId} in block`;
    } else ids.add(r.tx.txId);
  }

  // MVCC and phantom reads, in order, against committed state and earlier valid writes.
  const updates = new BlockUpdates();
  for (const [txNum, r] of results.entries()) {
    if (r.code !== Code.VALID || !r.tx?.endorsed) continue;
    const code = await validateReadWriteSet(r.tx.endorsed.nsRwSets, ctx.state, updates);
    if (code !== Code.VALID) {
      r.code = code;
      r.reason = code === Code.MVCC_READ_CONFLICT ? 'read conflict' : 'phantom read';
      continue;
    }
    updates.add(r.tx.endorsed.nsRwSets, { blockNum, txNum });
  }
  for (const [i, r] of results.entries()) {
    if (r.code !== Code.VALID)
      ctx.log?.('transaction invalid', {
        txNum: i,
        txId: r.tx?.txId,
        code: r.code,
        reason: r.reason,
      });
  }
  return results;
}
