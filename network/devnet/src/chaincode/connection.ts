// The peer's side of Chaincode-as-a-Service: dials the organisation's chaincode server over
// protos.Chaincode/Connect (TLS), waits for REGISTER, answers REGISTERED then READY, and runs
// transactions over the one stream (Fabric's core/chaincode handler + CCaaS launch). When the
// stream ends — the chaincode server restarted — every transaction in flight fails with
// Fabric's "chaincode stream terminated" and the connection is re-dialled with backoff.
import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';
import { TransactionContext, ShimRequestError, typeName } from './context';

const Type = peer.ChaincodeMessage.Type;

/** Fabric's chaincode.ErrorStreamTerminated: the gateway treats it as retryable. */
export const ERROR_STREAM_TERMINATED = 'chaincode stream terminated';
/** Fabric's chaincode.ErrorExecutionTimeout. */
export const ERROR_EXECUTION_TIMEOUT = 'timeout expired while executing transaction';

export interface ChaincodeServerConfig {
  /** Chaincode name: the namespace its state lives in. */
  name: string;
  /** host:port of the chaincode server. */
  address: string;
  /** PEM of the CA that issued the chaincode server's TLS certificate. */
  tlsRootCert: Buffer;
  /** A host name of the server's TLS certificate, checked instead of the address's IP (Node
   *  warns, DEP0123, when TLS is handed an IP address as the server name). */
  tlsServerName?: string;
  /** The peer's TLS client certificate and key (the server may require client auth). */
  clientCert?: Buffer;
  clientKey?: Buffer;
  /** Fabric's chaincode.executetimeout (default 30 s). */
  executeTimeoutMs?: number;
  /** How long an invocation waits for a (re)connection before failing (default 10 s). */
  connectTimeoutMs?: number;
  log?: (level: 'info' | 'warn', msg: string, data?: object) => void;
}

export interface ExecutionResult {
  response: peer.Response;
  event?: peer.ChaincodeEvent;
}

type Stream = grpc.ClientDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage>;

interface InFlight {
  context: TransactionContext;
  resolve: (r: ExecutionResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export type ConnectionState = 'connecting' | 'ready' | 'closed';

export class ChaincodeConnection {
  private readonly client: grpc.Client;
  private stream?: Stream;
  private state: ConnectionState = 'connecting';
  private readonly inFlight = new Map<string, InFlight>();
  private readyWaiters: (() => void)[] = [];
  private backoffMs = 100;
  private reconnectTimer?: NodeJS.Timeout;
  /** The chaincode id the server registered with (its package id). */
  registeredAs?: string;
  /** The last reason the stream ended or could not be opened. */
  lastError?: string;
  connects = 0;

  constructor(private readonly config: ChaincodeServerConfig) {
    const creds = grpc.credentials.createSsl(
      config.tlsRootCert,
      config.clientKey ?? null,
      config.clientCert ?? null,
    );
    this.client = new grpc.Client(config.address, creds, {
      'grpc.max_send_message_length': 100 * 1024 * 1024,
      'grpc.max_receive_message_length': 100 * 1024 * 1024,
      'grpc.keepalive_time_ms': 60_000,
      // Keep grpc-js's own reconnect backoff as short as ours: left at its default it grows to
      // two minutes while a chaincode server is down, and the restarted server would wait.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
      ...(config.tlsServerName ? { 'grpc.ssl_target_name_override': config.tlsServerName } : {}),
    });
  }

  get status(): ConnectionState {
    return this.state;
  }

  get name(): string {
    return this.config.name;
  }

  /** Starts dialling (and keeps the connection up until close()). */
  start(): void {
    if (this.state === 'closed') return;
    this.dial();
  }

  private dial(): void {
    this.reconnectTimer = undefined;
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const stream = this.client.makeBidiStreamRequest(
      '/protos.Chaincode/Connect',
      (m: peer.ChaincodeMessage) => Buffer.from(m.serializeBinary()),
      (b: Buffer) => peer.ChaincodeMessage.deserializeBinary(b),
    );
    this.stream = stream;
    stream.on('data', (msg: peer.ChaincodeMessage) => this.onMessage(stream, msg));
    const ended = (err?: Error) => this.onEnd(stream, err);
    stream.on('error', ended);
    stream.on('end', () => ended());
  }

  private onEnd(stream: Stream, err?: Error): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    const wasReady = this.state === 'ready';
    for (const [key, f] of this.inFlight) {
      clearTimeout(f.timer);
      f.reject(new Error(ERROR_STREAM_TERMINATED));
      this.inFlight.delete(key);
    }
    if (this.state === 'closed') return;
    this.state = 'connecting';
    this.lastError = err?.message;
    if (wasReady) {
      this.backoffMs = 100;
      this.config.log?.('warn', 'chaincode stream ended, reconnecting', {
        chaincode: this.name,
        error: err?.message,
      });
    }
    this.reconnectTimer = setTimeout(() => this.dial(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 2000);
  }

  private send(
    stream: Stream,
    type: number,
    txId: string,
    channelId: string,
    payload?: Uint8Array,
  ): void {
    const m = new peer.ChaincodeMessage();
    m.setType(type as never);
    m.setTxid(txId);
    m.setChannelId(channelId);
    if (payload) m.setPayload(payload);
    stream.write(m);
  }

  private onMessage(stream: Stream, msg: peer.ChaincodeMessage): void {
    const type = msg.getType();
    if (type === Type.REGISTER) {
      const id = peer.ChaincodeID.deserializeBinary(msg.getPayload_asU8());
      if (!id.getName()) {
        this.config.log?.(
          'warn',
          'error in handling register chaincode, chaincodeID name is empty',
        );
        stream.cancel();
        return;
      }
      this.registeredAs = id.getName();
      this.send(stream, Type.REGISTERED, '', '');
      this.send(stream, Type.READY, '', '');
      this.state = 'ready';
      this.backoffMs = 100;
      this.connects++;
      this.config.log?.('info', 'chaincode registered', {
        chaincode: this.name,
        id: this.registeredAs,
      });
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const w of waiters) w();
      return;
    }
    if (type === Type.KEEPALIVE) return;
    const key = `${msg.getChannelId()}${msg.getTxid()}`;
    const f = this.inFlight.get(key);
    if (type === Type.COMPLETED || (type === Type.ERROR && f)) {
      if (!f) return;
      this.inFlight.delete(key);
      clearTimeout(f.timer);
      if (type === Type.COMPLETED) {
        const response = peer.Response.deserializeBinary(msg.getPayload_asU8());
        const event = msg.getChaincodeEvent();
        if (event) {
          // Fabric stamps the event with the chaincode and transaction it came from.
          event.setChaincodeId(this.name);
          event.setTxId(msg.getTxid());
        }
        f.resolve({ response, event: event ?? undefined });
      } else {
        f.reject(
          new Error(
            `transaction returned with failure: ${Buffer.from(msg.getPayload_asU8()).toString()}`,
          ),
        );
      }
      return;
    }
    const txId = msg.getTxid();
    const channelId = msg.getChannelId();
    if (!f) {
      const error = `${typeName(type)} failed: transaction ID: ${txId}: no ledger context: ${channelId} ${txId}`;
      this.send(stream, Type.ERROR, txId, channelId, Buffer.from(error));
      return;
    }
    f.context.handle(type, msg.getPayload_asU8()).then(
      (payload) => this.send(stream, Type.RESPONSE, txId, channelId, payload),
      (err: Error) => {
        if (!(err instanceof ShimRequestError) && err.name !== 'SimulationError') {
          this.config.log?.('warn', 'shim request failed', {
            type: typeName(type),
            error: err.message,
          });
        }
        const text = `${typeName(type)} failed: transaction ID: ${txId}: ${err.message}`;
        this.send(stream, Type.ERROR, txId, channelId, Buffer.from(text));
      },
    );
  }

  private waitReady(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(new Error('chaincode connection closed'));
    const timeoutMs = this.config.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        reject(
          new Error(
            `could not connect to chaincode server ${this.config.address} for chaincode ${this.name}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push(done);
    });
  }

  /** Runs a transaction (Fabric's TRANSACTION message) and resolves with the chaincode's answer. */
  async execute(context: TransactionContext, input: peer.ChaincodeInput): Promise<ExecutionResult> {
    await this.waitReady();
    const stream = this.stream;
    if (!stream) throw new Error(ERROR_STREAM_TERMINATED);
    const key = `${context.channelId}${context.txId}`;
    if (this.inFlight.has(key))
      throw new Error(`txid: ${context.txId}(${context.channelId}) exists`);
    return new Promise<ExecutionResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inFlight.delete(key);
        reject(new Error(ERROR_EXECUTION_TIMEOUT));
      }, this.config.executeTimeoutMs ?? 30_000);
      this.inFlight.set(key, { context, resolve, reject, timer });
      const m = new peer.ChaincodeMessage();
      m.setType(Type.TRANSACTION);
      m.setTxid(context.txId);
      m.setChannelId(context.channelId);
      m.setPayload(input.serializeBinary());
      m.setProposal(context.signedProposal);
      stream.write(m);
    });
  }

  close(): void {
    this.state = 'closed';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stream?.cancel();
    this.client.close();
    for (const w of this.readyWaiters.splice(0)) w();
  }
}
