// The devnet process: reads network.yaml, opens the channel's ledger (creating block 0 from the
// organisations' MSP folders at first start), serves the orderer's AtomicBroadcast on the orderer
// organisation's port and one peer endpoint per hospital (TLS from that hospital's CA), and a
// health/status endpoint on devnet.operationsPort. Logs are JSON lines (pino) on stdout.
import './threadpool';
import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { orderer as ordererProto, peer as peerProto } from '@hyperledger/fabric-protos';
import pino, { type Logger } from 'pino';
import {
  dataPaths,
  loadNetwork,
  orgPaths,
  parseDuration,
  type Hospital,
  type Network,
} from '@ehr/network';
import { DevnetChannel } from './channel';
import { genesisBlock } from './channelconfig/genesis';
import { toGoDuration } from './channelconfig/config';
import { deliverHandlers } from './deliver/deliver';
import { readMspFolder, SigningIdentity } from './msp';
import { atomicBroadcastHandlers } from './orderer/service';
import {
  channelChaincodes,
  createPeerSide,
  FABRIC_DEFAULT_LIMITS,
  limitService,
  Semaphore,
} from './peer';

/** gRPC message limits of a Fabric peer/orderer (100 MiB each way). */
const GRPC_OPTIONS = {
  'grpc.max_receive_message_length': 100 * 1024 * 1024,
  'grpc.max_send_message_length': 100 * 1024 * 1024,
};

/**
 * AtomicBroadcast with Broadcast requests kept as the bytes the client sent: the orderer's
 * well-formedness check must see unknown fields and trailing bytes, which decoding would drop.
 */
const RAW_ATOMIC_BROADCAST = {
  ...ordererProto.AtomicBroadcastService,
  broadcast: {
    ...ordererProto.AtomicBroadcastService.broadcast,
    requestDeserialize: (b: Buffer) => b,
  },
} as unknown as grpc.ServiceDefinition;

/** Adds services to a hospital's peer endpoint (Deliver here; Gateway, Endorser: devnet-peer). */
export type PeerServices = (
  server: grpc.Server,
  hospital: Hospital,
  channel: DevnetChannel,
  log: Logger,
) => void;

export interface RunningDevnet {
  channel: DevnetChannel;
  peers: { hospital: Hospital; server: grpc.Server; port: number }[];
  ordererServer: grpc.Server;
  operations: HttpServer;
  status(): DevnetStatus;
  stop(): Promise<void>;
}

export interface DevnetStatus {
  channel: string;
  height: string;
  lastConfigBlock: string;
  transactionsByCode: Record<string, number>;
  orderer: { address: string };
  peers: { organization: string; mspId: string; address: string }[];
  [extra: string]: unknown;
}

/** protos.Deliver on a peer endpoint, under Fabric's default concurrency limit. */
const deliverServices: PeerServices = (server, _hospital, channel) => {
  const handlers = deliverHandlers({
    channelId: channel.config.channelId,
    ledger: channel.ledger,
    notifier: channel.committer,
    config: () => channel.config,
  });
  server.addService(
    peerProto.DeliverService as unknown as grpc.ServiceDefinition,
    limitService('/protos.Deliver', handlers, new Semaphore(FABRIC_DEFAULT_LIMITS.deliver)),
  );
};

function tlsCredentials(certFile: string, keyFile: string): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(
    null,
    [{ cert_chain: readFileSync(certFile), private_key: readFileSync(keyFile) }],
    false,
  );
}

function bind(server: grpc.Server, port: number, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, creds, (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
}

export function openChannel(
  net: Network,
  log: Logger,
  onFatal?: (error: Error) => void,
): Promise<DevnetChannel> {
  const ord = net.ordererOrg;
  const ordPaths = orgPaths(net, ord);
  const ordererId = ordPaths.orderer!;
  const batchTimeoutMs = parseDuration(net.ordering.batchTimeout);
  return DevnetChannel.open({
    dir: join(dataPaths(net).devnet, 'ledger'),
    signer: SigningIdentity.fromFiles(ord.mspId, ordererId.signCert, ordererId.privateKey),
    chaincodes: channelChaincodes(net),
    // network.yaml is the source of the batch settings even after block 0 was written.
    batch: { ...net.ordering, batchTimeoutMs },
    log: (msg, data) => log.info(data ?? {}, msg),
    onFatal,
    genesis: () =>
      genesisBlock({
        channel: net.channel,
        ordererOrg: {
          name: ord.name,
          mspId: ord.mspId,
          msp: readMspFolder(ordPaths.msp, ord.mspId),
          host: '127.0.0.1',
          port: ord.orderer!.port,
          tlsCert: readFileSync(ordererId.tlsCert),
        },
        applicationOrgs: net.hospitals.map((h) => ({
          name: h.name,
          mspId: h.mspId,
          msp: readMspFolder(orgPaths(net, h).msp, h.mspId),
        })),
        batch: { ...net.ordering, batchTimeoutMs },
        batchTimeout: toGoDuration(net.ordering.batchTimeout),
      }),
  });
}

export async function startDevnet(
  net: Network,
  opts: {
    log?: Logger;
    peerServices?: PeerServices[];
    extraStatus?: () => Record<string, unknown>;
    /** A block could not be committed (ordering has stopped). */
    onFatal?: (error: Error) => void;
    /** The candidate hospitals now (default: those of `net`). */
    candidates?: () => Hospital[];
  } = {},
): Promise<RunningDevnet> {
  const log = opts.log ?? pino({ name: 'devnet' });
  const channel = await openChannel(net, log, opts.onFatal);
  log.info(
    { height: channel.ledger.height().toString(), channel: channel.config.channelId },
    'ledger open',
  );

  const ord = net.ordererOrg;
  const ordererId = orgPaths(net, ord).orderer!;
  const ordererServer = new grpc.Server(GRPC_OPTIONS);
  ordererServer.addService(
    RAW_ATOMIC_BROADCAST,
    atomicBroadcastHandlers(
      channel.orderer,
      {
        channelId: channel.config.channelId,
        ledger: channel.ledger,
        notifier: channel.committer,
        config: () => channel.config,
      },
      (msg, data) => log.warn(data ?? {}, msg),
    ),
  );
  await bind(ordererServer, ord.orderer!.port, tlsCredentials(ordererId.tlsCert, ordererId.tlsKey));
  log.info({ port: ord.orderer!.port }, 'orderer AtomicBroadcast serving');

  const services = [deliverServices, ...(opts.peerServices ?? [])];
  const peers: RunningDevnet['peers'] = [];
  const startPeer = async (hospital: Hospital) => {
    const ids = orgPaths(net, hospital).peer!;
    const server = new grpc.Server(GRPC_OPTIONS);
    for (const add of services) add(server, hospital, channel, log.child({ peer: hospital.name }));
    const port = await bind(server, hospital.peer.port, tlsCredentials(ids.tlsCert, ids.tlsKey));
    peers.push({ hospital, server, port });
    log.info({ organization: hospital.name, port }, 'peer endpoint serving');
  };
  const members = () => new Set(channel.config.applicationOrgs().values());
  for (const hospital of net.hospitals) await startPeer(hospital);
  // Candidates of network.yaml that a configuration update has made members get their endpoint.
  const candidates = () => opts.candidates?.() ?? net.candidateHospitals;
  const startNewMembers = async () => {
    const current = members();
    for (const candidate of candidates()) {
      if (!current.has(candidate.mspId) || peers.some((p) => p.hospital.mspId === candidate.mspId))
        continue;
      try {
        await startPeer(candidate);
      } catch (e) {
        log.error(
          { organization: candidate.name, error: (e as Error).message },
          "could not start the new member's peer endpoint",
        );
      }
    }
  };
  await startNewMembers();
  channel.committer.onBlock((block) => {
    if (BigInt(block.getHeader()!.getNumber()) === channel.ledger.stats().lastConfig)
      void startNewMembers();
  });

  const status = (): DevnetStatus => {
    const stats = channel.ledger.stats();
    return {
      channel: channel.config.channelId,
      height: stats.height.toString(),
      lastConfigBlock: stats.lastConfig.toString(),
      transactionsByCode: stats.txByCode,
      orderer: { address: `127.0.0.1:${ord.orderer!.port}` },
      peers: peers.map((p) => ({
        organization: p.hospital.name,
        mspId: p.hospital.mspId,
        address: `127.0.0.1:${p.port}`,
      })),
      ...opts.extraStatus?.(),
    };
  };
  const operations = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: 'method not allowed' });
    if (req.url === '/healthz')
      return send(200, { status: 'OK', height: channel.ledger.height().toString() });
    if (req.url === '/status') return send(200, status());
    return send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    operations.once('error', reject);
    operations.listen(net.devnet.operationsPort, '127.0.0.1', () => resolve());
  });
  log.info({ port: net.devnet.operationsPort }, 'operations endpoint serving');

  return {
    channel,
    peers,
    ordererServer,
    operations,
    status,
    async stop() {
      await new Promise<void>((resolve) => operations.close(() => resolve()));
      // Open Deliver streams never end by themselves: a short grace, then they are cut.
      await Promise.all(
        [ordererServer, ...peers.map((p) => p.server)].map(
          (s) =>
            new Promise<void>((resolve) => {
              const force = setTimeout(() => {
                s.forceShutdown();
                resolve();
              }, 2000);
              s.tryShutdown(() => {
                clearTimeout(force);
                resolve();
              });
            }),
        ),
      );
      await channel.close();
    },
  };
}

async function main(): Promise<void> {
  const log = pino({ name: 'devnet' });
  const net = loadNetwork();
  // The peer side (devnet-peer): gateway.Gateway and protos.Endorser on every peer endpoint,
  // connections to the hospitals' chaincode servers.
  const peerSide = createPeerSide(net);
  const devnet = await startDevnet(net, {
    log,
    peerServices: [peerSide.addServices],
    extraStatus: () => ({ chaincodeConnections: peerSide.status() }),
    // network.yaml read again at each config block: a hospital described after devnet started
    // (npm run org) is served once the members add it.
    candidates: () => {
      try {
        return loadNetwork().candidateHospitals;
      } catch {
        return net.candidateHospitals;
      }
    },
    // A block that cannot be made durable: exit, so the supervisor restarts devnet, which then
    // recovers from the block files (nothing unacknowledged is lost, nothing half-written stays).
    onFatal: (error) => {
      log.fatal({ error: error.message }, 'cannot commit blocks; exiting');
      process.exit(70);
    },
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    peerSide.close();
    devnet.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ error: (e as Error).message }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
