// One member peer's gRPC endpoint: TLS with the peer's certificate from its organisation's CA,
// Fabric's 100 MiB message limits, and the services a Fabric 3.1 peer offers to clients:
// gateway.Gateway, protos.Endorser (ProcessProposal) and protos.Deliver (from deliver/), each
// under its concurrency limit.
import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';
import type { Endorser } from '../endorser/endorser';
import { gatewayServiceDefinition, type GatewayService } from '../gateway/gateway';
import { FABRIC_DEFAULT_LIMITS, limitService, Semaphore, type ConcurrencyLimits } from './limits';

export const MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

export interface PeerServerOptions {
  /** host:port to listen on. */
  address: string;
  tls: {
    cert: Buffer;
    key: Buffer;
    /** When set, clients must present a certificate from one of these CAs (mutual TLS). */
    clientRootCerts?: Buffer;
  };
  gateway: GatewayService;
  endorser: Endorser;
  /** protos.Deliver handlers (deliver/deliverHandlers). */
  deliver?: grpc.UntypedServiceImplementation;
  limits?: Partial<ConcurrencyLimits>;
}

export class PeerServer {
  private readonly server: grpc.Server;
  readonly semaphores: Record<keyof ConcurrencyLimits, Semaphore>;
  port?: number;

  constructor(private readonly options: PeerServerOptions) {
    const limits = { ...FABRIC_DEFAULT_LIMITS, ...options.limits };
    this.semaphores = {
      endorser: new Semaphore(limits.endorser),
      deliver: new Semaphore(limits.deliver),
      gateway: new Semaphore(limits.gateway),
    };
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.keepalive_time_ms': 7_200_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    this.server.addService(
      gatewayServiceDefinition(),
      limitService('/gateway.Gateway', options.gateway.handlers(), this.semaphores.gateway),
    );
    this.server.addService(
      peer.EndorserService as unknown as grpc.ServiceDefinition,
      limitService(
        '/protos.Endorser',
        endorserHandlers(options.endorser),
        this.semaphores.endorser,
      ),
    );
    if (options.deliver) {
      this.server.addService(
        peer.DeliverService as unknown as grpc.ServiceDefinition,
        limitService('/protos.Deliver', options.deliver, this.semaphores.deliver),
      );
    }
  }

  async start(): Promise<number> {
    const { tls } = this.options;
    const creds = grpc.ServerCredentials.createSsl(
      tls.clientRootCerts ?? null,
      [{ cert_chain: tls.cert, private_key: tls.key }],
      !!tls.clientRootCerts,
    );
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(this.options.address, creds, (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    return this.port;
  }

  /** Stops accepting calls; waits for running ones up to `graceMs`, then cuts them. */
  async stop(graceMs = 2000): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** protos.Endorser/ProcessProposal over the network: Fabric returns the error as the gRPC status. */
export function endorserHandlers(endorser: Endorser): grpc.UntypedServiceImplementation {
  return {
    processProposal: (
      call: grpc.ServerUnaryCall<peer.SignedProposal, peer.ProposalResponse>,
      callback: grpc.sendUnaryData<peer.ProposalResponse>,
    ) => {
      endorser.processProposal(call.request).then(
        ({ response, error }) => {
          if (error)
            callback({ code: grpc.status.UNKNOWN, details: error.message } as grpc.ServiceError);
          else callback(null, response!);
        },
        (err: Error) =>
          callback({ code: grpc.status.INTERNAL, details: err.message } as grpc.ServiceError),
      );
    },
  };
}
