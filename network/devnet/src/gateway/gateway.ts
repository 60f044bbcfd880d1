// The gateway.Gateway service of one peer (Fabric's internal/pkg/gateway): Evaluate on one
// peer, Endorse by the local peer first and then the peers the endorsement policy still needs,
// Submit to the orderer, CommitStatus and ChaincodeEvents for clients that pass the channel's
// Readers policy. Codes, messages and error details follow Fabric's gateway so an unmodified
// fabric-gateway client behaves as against a real peer.
import type * as grpc from '@grpc/grpc-js';
import { common, gateway, orderer as ordererProto, peer } from '@hyperledger/fabric-protos';
import {
  BroadcastRefusedError,
  type CommitNotifier,
  type Ledger,
  type Orderer,
} from '../interfaces';
import { MspError, type Identity } from '../msp';
import { identitySatisfies, type Policy } from '../policies';
import type { Endorser, EndorserResult } from '../endorser/endorser';
import { ProposalError, unpackProposal, type UnpackedProposal } from '../endorser/proposal';
import { POLICY_READERS, type ChannelResources } from '../peer/channel';
import { Code, RpcError, toServiceError, type EndpointError } from './errors';
import { endorsementPlan } from './plan';
import { rawField } from './wire';

export interface PeerNode {
  mspId: string;
  /** host:port as clients know it (reported in ErrorDetail.address). */
  address: string;
  endorser: Endorser;
  /** The peer's own identity (for endorsement planning). */
  identity: Identity;
}

export interface GatewayLedger {
  height(): bigint;
  getBlock(number: bigint): Promise<common.Block | undefined>;
  /** Where a committed transaction is (ChaincodeEvents' afterTransactionId). */
  transactionStatus?(txId: string): Promise<{ blockNumber: bigint } | undefined>;
}

export interface GatewayDeps {
  channel: ChannelResources;
  local: PeerNode;
  /** Every peer of the channel, the local one included (may change with config updates). */
  peers: () => PeerNode[];
  orderer: Orderer;
  ordererEndpoint: { address: string; mspId: string };
  commits: CommitNotifier;
  ledger: GatewayLedger | (Ledger & GatewayLedger);
  /** Fabric's peer.gateway.endorsementTimeout / broadcastTimeout (default 30 s each). */
  endorsementTimeoutMs?: number;
  broadcastTimeoutMs?: number;
  log?: (level: 'info' | 'warn', msg: string, data?: object) => void;
}

const VALID = peer.TxValidationCode.VALID;

/** Fabric's responseStatus: how an endorser's (response, error) pair becomes a gRPC outcome. */
function responseStatus(result: EndorserResult): { code: Code; message: string; retry: boolean } {
  const { response, error } = result;
  if (error) {
    if (!response) return { code: Code.UNAVAILABLE, message: error.message, retry: true };
    return { code: Code.FAILED_PRECONDITION, message: error.message, retry: false };
  }
  const r = response!.getResponse();
  const status = r?.getStatus() ?? 0;
  if (status < 200 || status >= 400) {
    const payload = response!.getPayload_asU8();
    if (payload.length === 0 && status === 500) {
      return { code: Code.ABORTED, message: r!.getMessage(), retry: true };
    }
    return {
      code: Code.UNKNOWN,
      message: `chaincode response ${status}, ${r!.getMessage()}`,
      retry: false,
    };
  }
  return { code: Code.OK, message: '', retry: false };
}

function detail(p: PeerNode | { address: string; mspId: string }, message: string): EndpointError {
  return { address: p.address, mspId: p.mspId, message };
}

/** The transaction result the client reads: chaincode action → response → payload. */
function resultOf(pr: peer.ProposalResponse): Uint8Array {
  const prp = peer.ProposalResponsePayload.deserializeBinary(pr.getPayload_asU8());
  const action = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  return action.getResponse()?.getPayload_asU8() ?? new Uint8Array();
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), ms);
    }),
  ]);
}

const STATUS_NAMES = Object.fromEntries(
  Object.entries(common.Status).map(([k, v]) => [v, k]),
) as Record<number, string>;

export class GatewayService {
  constructor(private readonly deps: GatewayDeps) {}

  private get endorsementTimeout(): number {
    return this.deps.endorsementTimeoutMs ?? 30_000;
  }

  private unpackForGateway(signed: peer.SignedProposal | undefined): UnpackedProposal {
    if (!signed || signed.getProposalBytes_asU8().length === 0) {
      throw new RpcError(
        Code.INVALID_ARGUMENT,
        'the proposed transaction must contain a signed proposal',
      );
    }
    try {
      const up = unpackProposal(signed);
      if (!up.channelId) throw new ProposalError('no channel id provided');
      return up;
    } catch (err) {
      throw new RpcError(
        Code.INVALID_ARGUMENT,
        `failed to unpack transaction proposal: ${(err as Error).message}`,
      );
    }
  }

  private checkChannel(channelId: string): void {
    if (channelId !== this.deps.channel.channelId) {
      throw new RpcError(Code.UNAVAILABLE, `channel '${channelId}' not found`);
    }
  }

  private peersOf(orgs: string[]): PeerNode[] {
    const all = this.deps.peers();
    const missing = orgs.filter((o) => !all.some((p) => p.mspId === o));
    if (missing.length) {
      throw new RpcError(
        Code.UNAVAILABLE,
        `failed to find any endorsing peers for org(s): ${missing.join(', ')}`,
      );
    }
    return orgs.map((o) =>
      this.deps.local.mspId === o ? this.deps.local : all.find((p) => p.mspId === o)!,
    );
  }

  private async callEndorser(
    node: PeerNode,
    up: UnpackedProposal,
    endorse = true,
  ): Promise<EndorserResult> {
    try {
      const result = await withTimeout(
        node.endorser.processProposal(up.signedProposal, up, { endorse }),
        this.endorsementTimeout,
        () => new Error('endorsement timeout expired'),
      );
      // Over the network a remote peer's error arrives without a response (a gRPC error);
      // in process we keep Fabric's distinction: only the local endorser returns both.
      if (node !== this.deps.local && result.error) return { error: result.error };
      return result;
    } catch (err) {
      return { error: err as Error };
    }
  }

  async evaluate(request: gateway.EvaluateRequest): Promise<gateway.EvaluateResponse> {
    const up = this.unpackForGateway(request.getProposedTransaction());
    this.checkChannel(up.channelId);
    const targets = request.getTargetOrganizationsList();
    const hasTransient = up.payload.getTransientmapMap().getLength() > 0;
    let candidates: PeerNode[];
    if (targets.length) candidates = this.peersOf(targets);
    else if (hasTransient) candidates = [this.deps.local];
    else candidates = [this.deps.local, ...this.deps.peers().filter((p) => p !== this.deps.local)];
    const local = candidates.find((p) => p === this.deps.local);
    if (local) candidates = [local, ...candidates.filter((p) => p !== local)];
    const details: EndpointError[] = [];
    for (const node of candidates) {
      // Evaluate returns only the result: the response needs no signature.
      const result = await this.callEndorser(node, up, false);
      const { code, message, retry } = responseStatus(result);
      if (code === Code.OK) {
        const pr = result.response!;
        const response = pr.getResponse()!;
        const out = new peer.Response();
        out.setStatus(response.getStatus());
        out.setMessage(response.getMessage());
        // A local evaluation returns the chaincode's response itself (no proposal response payload).
        out.setPayload(pr.getPayload_asU8().length ? resultOf(pr) : response.getPayload_asU8());
        const res = new gateway.EvaluateResponse();
        res.setResult(out);
        return res;
      }
      details.push(detail(node, message));
      if (!retry)
        throw new RpcError(code, `evaluate call to endorser returned error: ${message}`, details);
      // Fabric retries a retryable failure on the next peer of the same organisation only.
      if (!candidates.some((c) => c !== node && c.mspId === node.mspId)) {
        throw new RpcError(
          code,
          'failed to evaluate transaction, see attached details for more info',
          details,
        );
      }
    }
    throw new RpcError(
      Code.UNAVAILABLE,
      'failed to evaluate transaction, see attached details for more info',
      details,
    );
  }

  async endorse(request: gateway.EndorseRequest): Promise<gateway.EndorseResponse> {
    const signed = request.getProposedTransaction();
    if (!signed || signed.getProposalBytes_asU8().length === 0) {
      throw new RpcError(
        Code.INVALID_ARGUMENT,
        'the proposed transaction must contain a signed proposal',
      );
    }
    let up: UnpackedProposal;
    try {
      up = unpackProposal(signed);
    } catch (err) {
      throw new RpcError(Code.INVALID_ARGUMENT, (err as Error).message);
    }
    this.checkChannel(up.channelId);
    const orgs = request.getEndorsingOrganizationsList();
    const responses: { node: PeerNode; response: peer.ProposalResponse }[] = [];
    const details: EndpointError[] = [];
    let plan: PeerNode[];
    /** The first response: every other must carry the same proposal response payload. */
    let reference: peer.ProposalResponse | undefined;

    if (orgs.length) {
      plan = this.peersOf(orgs);
    } else {
      // Fabric: the local peer endorses first; its answer decides the rest of the plan.
      const local = this.deps.local;
      const first = await this.callEndorser(local, up);
      const { code, message } = responseStatus(first);
      if (code !== Code.OK) {
        details.push(detail(local, message));
        throw new RpcError(
          Code.ABORTED,
          'failed to endorse transaction, see attached details for more info',
          details,
        );
      }
      reference = first.response!;
      const definition = this.deps.channel.chaincode(up.chaincodeName);
      if (!definition) {
        throw new RpcError(
          Code.FAILED_PRECONDITION,
          `no combination of peers can be derived which satisfy the endorsement policy for chaincode ${up.chaincodeName}`,
        );
      }
      // The policies the local peer's simulation reported (Fabric's ChaincodeInterest): a
      // key-level policy of a written key may ask for other peers than the chaincode's, or fewer.
      const interest = first.interest ?? { keyPolicies: [], chaincodePolicy: true };
      const policies = [
        ...interest.keyPolicies,
        ...(interest.chaincodePolicy ? [definition.endorsementPolicy] : []),
      ];
      const planned = this.plan(policies, local);
      if (!planned) {
        throw new RpcError(
          Code.FAILED_PRECONDITION,
          'no combination of peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the endorsement policy',
        );
      }
      // Like Fabric's plan, the first endorsement counts only when its peer is in the layout.
      if (planned.includes(local)) responses.push({ node: local, response: first.response! });
      plan = planned.filter((p) => p !== local);
    }

    const results = await Promise.all(
      plan.map(async (node) => ({ node, result: await this.callEndorser(node, up) })),
    );
    for (const { node, result } of results) {
      const { code, message } = responseStatus(result);
      if (code !== Code.OK) {
        this.deps.log?.('warn', 'Endorse call to endorser failed', {
          mspId: node.mspId,
          error: message,
        });
        details.push(detail(node, message));
        continue;
      }
      reference ??= result.response!;
      if (!Buffer.from(reference.getPayload_asU8()).equals(result.response!.getPayload_asU8())) {
        details.push(detail(node, 'ProposalResponsePayloads do not match'));
        continue;
      }
      responses.push({ node, response: result.response! });
    }
    if (details.length || responses.length === 0) {
      throw new RpcError(
        Code.ABORTED,
        'failed to collect enough transaction endorsements, see attached details for more info',
        details,
      );
    }
    const res = new gateway.EndorseResponse();
    res.setPreparedTransaction(
      prepareTransaction(
        up,
        responses.map((r) => r.response),
      ),
    );
    return res;
  }

  private readonly plans = new WeakMap<object, { key: string; plan: PeerNode[] | undefined }>();

  /**
   * The endorsement plan for the policies a transaction needs; a plan for one policy (the
   * chaincode's, the common case) is kept until the channel's peers change.
   */
  private plan(policies: Policy[], local: PeerNode): PeerNode[] | undefined {
    const peers = this.deps.peers();
    if (policies.length !== 1) return endorsementPlan(policies, peers, local);
    const key = peers.map((p) => p.identity.id).join('|');
    const cached = this.plans.get(policies[0]!);
    if (cached && cached.key === key) return cached.plan;
    const plan = endorsementPlan(policies, peers, local);
    this.plans.set(policies[0]!, { key, plan });
    return plan;
  }

  /** Submit: `envelope` is the prepared transaction exactly as the client sent it. */
  async submit(
    request: gateway.SubmitRequest,
    envelope: Uint8Array | undefined,
  ): Promise<gateway.SubmitResponse> {
    const txn = request.getPreparedTransaction();
    if (!txn || !envelope)
      throw new RpcError(Code.INVALID_ARGUMENT, 'a prepared transaction is required');
    if (txn.getSignature_asU8().length === 0) {
      throw new RpcError(Code.INVALID_ARGUMENT, 'prepared transaction must be signed');
    }
    this.checkChannel(request.getChannelId());
    const o = this.deps.ordererEndpoint;
    try {
      await withTimeout(
        this.deps.orderer.broadcast(envelope),
        this.deps.broadcastTimeoutMs ?? 30_000,
        () =>
          new RpcError(
            Code.DEADLINE_EXCEEDED,
            'submit timeout expired while broadcasting to ordering service',
          ),
      );
    } catch (err) {
      if (err instanceof RpcError) throw err;
      if (err instanceof BroadcastRefusedError) {
        const message = `received unsuccessful response from orderer: status=${STATUS_NAMES[err.status] ?? err.status}, info=${err.info}`;
        if (err.status >= 400 && err.status < 500) throw new RpcError(Code.ABORTED, message);
        throw new RpcError(Code.UNAVAILABLE, 'no orderers could successfully process transaction', [
          detail(o, message),
        ]);
      }
      throw new RpcError(Code.UNAVAILABLE, 'no orderers could successfully process transaction', [
        detail(o, (err as Error).message),
      ]);
    }
    return new gateway.SubmitResponse();
  }

  private async checkReaders(
    data: Uint8Array,
    identityBytes: Uint8Array,
    signature: Uint8Array,
  ): Promise<void> {
    const { channel } = this.deps;
    const readers = channel.policy(POLICY_READERS);
    let ok = false;
    if (readers) {
      try {
        const identity = channel.msps().deserializeIdentity(identityBytes);
        ok = identitySatisfies(readers, identity) && (await identity.verifyAsync(data, signature));
      } catch (err) {
        if (!(err instanceof MspError)) throw err;
      }
    }
    if (!ok) {
      throw new RpcError(
        Code.PERMISSION_DENIED,
        `failed evaluating policy on signed data during check policy [${POLICY_READERS}]: [implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Readers' sub-policies to be satisfied]`,
      );
    }
  }

  async commitStatus(
    signed: gateway.SignedCommitStatusRequest,
    signal: AbortSignal,
  ): Promise<gateway.CommitStatusResponse> {
    const bytes = signed.getRequest_asU8();
    if (bytes.length === 0)
      throw new RpcError(Code.INVALID_ARGUMENT, 'a commit status request is required');
    let request: gateway.CommitStatusRequest;
    try {
      request = gateway.CommitStatusRequest.deserializeBinary(bytes);
    } catch (err) {
      throw new RpcError(
        Code.INVALID_ARGUMENT,
        `invalid status request: ${(err as Error).message}`,
      );
    }
    if (request.getIdentity_asU8().length === 0)
      throw new RpcError(Code.INVALID_ARGUMENT, 'no identity provided');
    if (!request.getChannelId())
      throw new RpcError(Code.INVALID_ARGUMENT, 'no channel ID provided');
    if (!request.getTransactionId())
      throw new RpcError(Code.INVALID_ARGUMENT, 'transaction ID should not be empty');
    this.checkChannel(request.getChannelId());
    await this.checkReaders(bytes, request.getIdentity_asU8(), signed.getSignature_asU8());
    let status;
    try {
      status = await this.deps.commits.waitForTransaction(request.getTransactionId(), signal);
    } catch (err) {
      if (signal.aborted) throw new RpcError(Code.CANCELLED, 'context canceled');
      throw new RpcError(Code.ABORTED, (err as Error).message);
    }
    const res = new gateway.CommitStatusResponse();
    res.setResult(status.code as never);
    res.setBlockNumber(Number(status.blockNumber));
    return res;
  }

  /** Streams chaincode events of valid transactions from the requested position. */
  async chaincodeEvents(
    signed: gateway.SignedChaincodeEventsRequest,
    send: (r: gateway.ChaincodeEventsResponse) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const bytes = signed.getRequest_asU8();
    if (bytes.length === 0)
      throw new RpcError(Code.INVALID_ARGUMENT, 'a chaincode events request is required');
    let request: gateway.ChaincodeEventsRequest;
    try {
      request = gateway.ChaincodeEventsRequest.deserializeBinary(bytes);
    } catch (err) {
      throw new RpcError(
        Code.INVALID_ARGUMENT,
        `invalid chaincode events request: ${(err as Error).message}`,
      );
    }
    await this.checkReaders(bytes, request.getIdentity_asU8(), signed.getSignature_asU8());
    if (request.getChannelId() !== this.deps.channel.channelId) {
      throw new RpcError(Code.NOT_FOUND, `channel not found: ${request.getChannelId()}`);
    }
    const { ledger, commits } = this.deps;
    const chaincodeId = request.getChaincodeId();
    const after = request.getAfterTransactionId();
    let block = await this.startBlock(request);
    let passedAfter = after === '';

    let wake: (() => void) | undefined;
    const off = commits.onBlock(() => wake?.());
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        if (block >= ledger.height()) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (block < ledger.height() || signal.aborted) resolve();
          });
          wake = undefined;
          continue;
        }
        const b = await ledger.getBlock(block);
        if (!b) throw new RpcError(Code.ABORTED, `block ${block} not found`);
        const events: peer.ChaincodeEvent[] = [];
        for (const event of chaincodeEventsOf(b)) {
          if (!passedAfter) {
            if (event.getTxId() === after) passedAfter = true;
            continue;
          }
          if (event.getChaincodeId() === chaincodeId) events.push(event);
        }
        if (events.length) {
          const res = new gateway.ChaincodeEventsResponse();
          res.setBlockNumber(Number(block));
          res.setEventsList(events);
          await send(res);
        }
        block++;
      }
    } finally {
      off();
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async startBlock(request: gateway.ChaincodeEventsRequest): Promise<bigint> {
    const after = request.getAfterTransactionId();
    if (after && this.deps.ledger.transactionStatus) {
      const found = await this.deps.ledger.transactionStatus(after);
      if (found) return found.blockNumber;
    }
    const pos = request.getStartPosition();
    if (!pos || pos.getTypeCase() === ordererProto.SeekPosition.TypeCase.TYPE_NOT_SET)
      return this.deps.ledger.height();
    switch (pos.getTypeCase()) {
      case ordererProto.SeekPosition.TypeCase.NEXT_COMMIT:
        return this.deps.ledger.height();
      case ordererProto.SeekPosition.TypeCase.SPECIFIED:
        return BigInt(pos.getSpecified()!.getNumber());
      default:
        throw new RpcError(
          Code.INVALID_ARGUMENT,
          `invalid start position type: ${pos.getTypeCase()}`,
        );
    }
  }

  /** grpc-js handlers for gateway.GatewayService (Submit gets the raw envelope bytes). */
  handlers(): grpc.UntypedServiceImplementation {
    const unary =
      <Req, Res extends { serializeBinary(): Uint8Array }>(
        fn: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
      ) =>
      (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
        fn(call.request, call).then(
          (res) => callback(null, res),
          (err: unknown) => {
            if (!(err instanceof RpcError))
              this.deps.log?.('warn', 'gateway call failed', { error: String(err) });
            callback(toServiceError(err) as grpc.ServiceError);
          },
        );
      };
    return {
      evaluate: unary((req: gateway.EvaluateRequest) => this.evaluate(req)),
      endorse: unary((req: gateway.EndorseRequest) => this.endorse(req)),
      submit: unary((req: SubmitWithRaw) => this.submit(req.message, req.rawEnvelope)),
      commitStatus: unary((req: gateway.SignedCommitStatusRequest, call) => {
        const aborter = new AbortController();
        call.on('cancelled', () => aborter.abort());
        return this.commitStatus(req, aborter.signal);
      }),
      chaincodeEvents: (
        call: grpc.ServerWritableStream<
          gateway.SignedChaincodeEventsRequest,
          gateway.ChaincodeEventsResponse
        >,
      ) => {
        const aborter = new AbortController();
        call.on('cancelled', () => aborter.abort());
        call.on('close', () => aborter.abort());
        const send = (r: gateway.ChaincodeEventsResponse) =>
          new Promise<void>((resolve) => {
            if (call.write(r)) resolve();
            else call.once('drain', () => resolve());
          });
        this.chaincodeEvents(call.request, send, aborter.signal).then(
          () => call.end(),
          (err: unknown) => {
            if (aborter.signal.aborted) return;
            call.destroy(Object.assign(new Error((err as Error).message), toServiceError(err)));
          },
        );
      },
    };
  }
}

/** SubmitRequest decoded together with the prepared transaction's exact bytes. */
export interface SubmitWithRaw {
  message: gateway.SubmitRequest;
  rawEnvelope: Uint8Array | undefined;
}

/** The gateway service definition, with Submit keeping the envelope's original bytes. */
export function gatewayServiceDefinition(): grpc.ServiceDefinition {
  const base = gateway.GatewayService as unknown as grpc.ServiceDefinition;
  return {
    ...base,
    submit: {
      ...base.submit!,
      requestDeserialize: (bytes: Buffer): SubmitWithRaw => ({
        message: gateway.SubmitRequest.deserializeBinary(bytes),
        rawEnvelope: rawField(bytes, 3),
      }),
    },
  } as grpc.ServiceDefinition;
}

/** The chaincode events of the valid endorser transactions of a block, in order. */
export function chaincodeEventsOf(block: common.Block): peer.ChaincodeEvent[] {
  const filter = block.getMetadata()?.getMetadataList_asU8()[
    common.BlockMetadataIndex.TRANSACTIONS_FILTER
  ];
  const out: peer.ChaincodeEvent[] = [];
  const data = block.getData()?.getDataList_asU8() ?? [];
  data.forEach((raw, i) => {
    if (!filter || filter[i] !== VALID) return;
    try {
      const env = common.Envelope.deserializeBinary(raw);
      const payload = common.Payload.deserializeBinary(env.getPayload_asU8());
      const ch = common.ChannelHeader.deserializeBinary(
        payload.getHeader()!.getChannelHeader_asU8(),
      );
      if (ch.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return;
      const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
      for (const action of tx.getActionsList()) {
        const cap = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
        const prp = peer.ProposalResponsePayload.deserializeBinary(
          cap.getAction()!.getProposalResponsePayload_asU8(),
        );
        const cca = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
        const ev = cca.getEvents_asU8();
        if (ev.length) out.push(peer.ChaincodeEvent.deserializeBinary(ev));
      }
    } catch {
      // A valid transaction always parses; anything else carries no event.
    }
  });
  return out;
}

/** Fabric's prepareTransaction: the unsigned envelope the client signs and submits. */
export function prepareTransaction(
  up: UnpackedProposal,
  responses: peer.ProposalResponse[],
): common.Envelope {
  const seen = new Set<string>();
  const endorsements: peer.Endorsement[] = [];
  for (const r of responses) {
    const e = r.getEndorsement();
    if (!e) continue;
    const key = Buffer.from(e.getEndorser_asU8()).toString('base64');
    if (seen.has(key)) continue;
    seen.add(key);
    endorsements.push(e);
  }
  const action = new peer.ChaincodeEndorsedAction();
  action.setProposalResponsePayload(responses[0]!.getPayload_asU8());
  action.setEndorsementsList(endorsements);
  const cap = new peer.ChaincodeActionPayload();
  cap.setChaincodeProposalPayload(up.payloadBytes);
  cap.setAction(action);
  const ta = new peer.TransactionAction();
  ta.setHeader(up.header.getSignatureHeader_asU8());
  ta.setPayload(cap.serializeBinary());
  const tx = new peer.Transaction();
  tx.setActionsList([ta]);
  const payload = new common.Payload();
  payload.setHeader(up.header);
  payload.setData(tx.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env;
}
