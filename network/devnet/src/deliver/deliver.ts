// The peer's protos.Deliver service (Deliver, DeliverFiltered, DeliverWithPrivateData) as
// Fabric's common/deliver and core/peer/deliverevents.go serve it. Each request is a signed
// envelope of type DELIVER_SEEK_INFO: it must parse, carry a timestamp within 15 minutes of the
// server's clock, name this channel, and its signer must satisfy the channel's
// /Channel/Application/Readers policy (re-checked before every block, so an identity that
// expires mid-stream is cut off). Then blocks from start to stop are sent, waiting for blocks
// not committed yet (BLOCK_UNTIL_READY) or answering NOT_FOUND (FAIL_IF_NOT_READY), and a final
// status. Several requests may follow one another on one stream.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { common, orderer, peer } from '@hyperledger/fabric-protos';
import type { CommitNotifier } from '../interfaces';
import type { DevnetLedger } from '../ledger/ledger';
import { transactionsFilter } from '../ledger/ledger';
import { parseTransaction } from '../ledger/transaction';
import type { ChannelConfig } from '../channelconfig/config';

const Status = common.Status;
const TIME_WINDOW_MS = 15 * 60 * 1000;
const READERS = '/Channel/Application/Readers';

export interface DeliverSource {
  channelId: string;
  /** Policy a requester must satisfy: peers /Channel/Application/Readers, the orderer /Channel/Readers. */
  readersPolicy?: string;
  ledger: DevnetLedger;
  notifier: CommitNotifier;
  config: () => ChannelConfig;
}

type Kind = 'block' | 'filtered' | 'private';

class Refused extends Error {
  constructor(readonly status: number) {
    super(`deliver refused with status ${status}`);
  }
}

/** Resolves when the ledger's height exceeds `number`, or when `signal` aborts. */
function waitForHeight(source: DeliverSource, number: bigint, signal: AbortSignal): Promise<void> {
  if (source.ledger.height() > number) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const off = source.notifier.onBlock(() => {
      if (source.ledger.height() > number) finish();
    });
    const onAbort = () => {
      off();
      reject(new Refused(Status.INTERNAL_SERVER_ERROR));
    };
    const finish = () => {
      off();
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (source.ledger.height() > number) finish();
  });
}

/** Fabric's FilteredBlock: per transaction its id, type, code and chaincode events without payload. */
export function filterBlock(block: common.Block, channelId: string): peer.FilteredBlock {
  const filter = transactionsFilter(block);
  const fb = new peer.FilteredBlock();
  fb.setChannelId(channelId);
  fb.setNumber(block.getHeader()!.getNumber());
  fb.setFilteredTransactionsList(
    (block.getData()?.getDataList_asU8() ?? []).map((raw, i) => {
      const ft = new peer.FilteredTransaction();
      ft.setTxValidationCode(filter[i] as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap]);
      try {
        const tx = parseTransaction(raw);
        ft.setTxid(tx.txId);
        ft.setType(tx.type as common.HeaderTypeMap[keyof common.HeaderTypeMap]);
        const events = tx.endorsed?.chaincodeAction.getEvents_asU8();
        if (tx.endorsed) {
          const actions = new peer.FilteredTransactionActions();
          const fca = new peer.FilteredChaincodeAction();
          if (events && events.length) {
            const ev = peer.ChaincodeEvent.deserializeBinary(events);
            ev.setPayload(new Uint8Array());
            fca.setChaincodeEvent(ev);
          }
          actions.setChaincodeActionsList([fca]);
          ft.setTransactionActions(actions);
        }
      } catch {
        // An envelope that does not parse is listed with its code only, as Fabric does.
      }
      return ft;
    }),
  );
  return fb;
}

function response(kind: Kind, block: common.Block, channelId: string): peer.DeliverResponse {
  const r = new peer.DeliverResponse();
  if (kind === 'block') r.setBlock(block);
  else if (kind === 'filtered') r.setFilteredBlock(filterBlock(block, channelId));
  else {
    const bp = new peer.BlockAndPrivateData();
    bp.setBlock(block);
    r.setBlockAndPrivateData(bp);
  }
  return r;
}

interface StreamResponse {
  serializeBinary(): Uint8Array;
}

async function serveRequest<R extends StreamResponse>(
  source: DeliverSource,
  envelope: common.Envelope,
  blockResponse: (block: common.Block) => R,
  send: (r: R) => Promise<void>,
  signal: AbortSignal,
): Promise<number> {
  let payload: common.Payload;
  let channelHeader: common.ChannelHeader;
  let creator: Uint8Array;
  try {
    payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const header = payload.getHeader();
    if (!header) return Status.BAD_REQUEST;
    channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    creator = common.SignatureHeader.deserializeBinary(
      header.getSignatureHeader_asU8(),
    ).getCreator_asU8();
  } catch {
    return Status.BAD_REQUEST;
  }
  const ts = channelHeader.getTimestamp();
  const when = ts ? ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6) : 0;
  if (Math.abs(Date.now() - when) > TIME_WINDOW_MS) return Status.BAD_REQUEST;
  if (channelHeader.getChannelId() !== source.channelId) return Status.NOT_FOUND;
  let seek: orderer.SeekInfo;
  try {
    seek = orderer.SeekInfo.deserializeBinary(payload.getData_asU8());
  } catch {
    return Status.BAD_REQUEST;
  }
  const signed = [
    {
      identity: creator,
      data: envelope.getPayload_asU8(),
      signature: envelope.getSignature_asU8(),
    },
  ];
  const allowed = () => {
    try {
      const id = source.config().msps.deserializeIdentity(creator);
      return !id.isExpired() && source.config().evaluate(source.readersPolicy ?? READERS, signed);
    } catch {
      return false;
    }
  };
  if (!allowed()) return Status.FORBIDDEN;
  const start = seek.getStart();
  const stop = seek.getStop();
  if (!start || !stop) return Status.BAD_REQUEST;

  const height = source.ledger.height();
  const position = (p: orderer.SeekPosition): bigint => {
    switch (p.getTypeCase()) {
      case orderer.SeekPosition.TypeCase.OLDEST:
        return 0n;
      case orderer.SeekPosition.TypeCase.NEWEST:
        return height - 1n;
      case orderer.SeekPosition.TypeCase.SPECIFIED:
        return BigInt(p.getSpecified()!.getNumber());
      case orderer.SeekPosition.TypeCase.NEXT_COMMIT:
        return height;
      default:
        throw new Refused(Status.BAD_REQUEST);
    }
  };
  let number: bigint;
  let stopNum: bigint;
  try {
    number = position(start);
    stopNum =
      stop.getTypeCase() === orderer.SeekPosition.TypeCase.OLDEST
        ? number
        : stop.getTypeCase() === orderer.SeekPosition.TypeCase.NEWEST
          ? Buffer.from(start.serializeBinary()).equals(Buffer.from(stop.serializeBinary()))
            ? number
            : height - 1n
          : position(stop);
  } catch (e) {
    if (e instanceof Refused) return e.status;
    throw e;
  }
  if (stop.getTypeCase() === orderer.SeekPosition.TypeCase.SPECIFIED && stopNum < number)
    return Status.BAD_REQUEST;

  for (;;) {
    if (
      seek.getBehavior() === orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY &&
      number > source.ledger.height() - 1n
    ) {
      return Status.NOT_FOUND;
    }
    try {
      await waitForHeight(source, number, signal);
    } catch (e) {
      if (e instanceof Refused) return e.status;
      throw e;
    }
    const block = await source.ledger.getBlock(number);
    if (!block) return Status.NOT_FOUND;
    if (!allowed()) return Status.FORBIDDEN;
    let toSend = block;
    if (
      seek.getContentType() === orderer.SeekInfo.SeekContentType.HEADER_WITH_SIG &&
      !isConfigBlock(block)
    ) {
      toSend = new common.Block();
      toSend.setHeader(block.getHeader());
      toSend.setMetadata(block.getMetadata());
    }
    await send(blockResponse(toSend));
    if (number >= stopNum) return Status.SUCCESS;
    number++;
  }
}

function isConfigBlock(block: common.Block): boolean {
  const data = block.getData()?.getDataList_asU8() ?? [];
  if (data.length !== 1) return false;
  try {
    return parseTransaction(data[0]).type === common.HeaderType.CONFIG;
  } catch {
    return false;
  }
}

/**
 * Serves one Deliver stream: request after request until the client ends it. `blockResponse`
 * and `statusResponse` build the service's own response message (peer or orderer DeliverResponse).
 */
export async function serveDeliverStream<R extends StreamResponse>(
  source: DeliverSource,
  call: ServerDuplexStream<common.Envelope, R>,
  blockResponse: (block: common.Block) => R,
  statusResponse: (status: number) => R,
): Promise<void> {
  const aborter = new AbortController();
  call.on('cancelled', () => aborter.abort());
  call.on('close', () => aborter.abort());
  const send = (r: R) =>
    new Promise<void>((resolve) => {
      if (call.write(r)) resolve();
      else call.once('drain', () => resolve());
    });
  try {
    for await (const envelope of call as AsyncIterable<common.Envelope>) {
      const status = await serveRequest(source, envelope, blockResponse, send, aborter.signal);
      if (aborter.signal.aborted) return;
      await send(statusResponse(status));
    }
    call.end();
  } catch (e) {
    if (!aborter.signal.aborted) call.destroy(e as Error);
  }
}

function peerStatus(status: number): peer.DeliverResponse {
  const r = new peer.DeliverResponse();
  r.setStatus(status as common.StatusMap[keyof common.StatusMap]);
  return r;
}

/** The protos.Deliver handlers for grpc-js, to add to a peer's server with peer.DeliverService. */
export function deliverHandlers(source: DeliverSource) {
  type Call = ServerDuplexStream<common.Envelope, peer.DeliverResponse>;
  const serve = (kind: Kind) => (call: Call) =>
    void serveDeliverStream(source, call, (b) => response(kind, b, source.channelId), peerStatus);
  return {
    deliver: serve('block'),
    deliverFiltered: serve('filtered'),
    deliverWithPrivateData: serve('private'),
  };
}
