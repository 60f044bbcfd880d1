// Wires the peer side for each hospital of network.yaml: its peer0 signing identity, the
// connection to its chaincode server, its endorser and its gateway, registered on the
// hospital's peer endpoint (main.ts owns the gRPC server, TLS and Deliver). All peers know each
// other in process, so a gateway collects the other organisations' endorsements directly.
import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import { peer as peerProto } from '@hyperledger/fabric-protos';
import { orgPaths, type Hospital, type Network } from '@ehr/network';
import type { CommitNotifier, Ledger, Orderer } from '../interfaces';
import { SigningIdentity } from '../msp';
import { ChaincodeConnection } from '../chaincode/connection';
import { Endorser } from '../endorser/endorser';
import {
  GatewayService,
  gatewayServiceDefinition,
  type GatewayLedger,
  type PeerNode,
} from '../gateway/gateway';
import type { ChannelResources } from './channel';
import { endorserHandlers } from './server';
import { FABRIC_DEFAULT_LIMITS, limitService, Semaphore, type ConcurrencyLimits } from './limits';

/** What the peer side needs of a channel (DevnetChannel provides it). */
export interface PeerChannel {
  resources(): ChannelResources;
  ledger: Ledger & GatewayLedger;
  orderer: Orderer;
  committer: CommitNotifier;
}

type Log = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };

export interface PeerSide {
  /** For main.ts: adds gateway.Gateway and protos.Endorser to a hospital's peer server. */
  addServices(server: grpc.Server, hospital: Hospital, channel: PeerChannel, log: Log): void;
  nodes: PeerNode[];
  connections: Map<string, ChaincodeConnection>;
  semaphores: Map<string, Record<keyof ConcurrencyLimits, Semaphore>>;
  status(): {
    organization: string;
    chaincode: string;
    state: string;
    registeredAs?: string;
    connects: number;
  }[];
  close(): void;
}

export function createPeerSide(
  net: Network,
  opts: { limits?: Partial<ConcurrencyLimits>; executeTimeoutMs?: number } = {},
): PeerSide {
  const nodes: PeerNode[] = [];
  const connections = new Map<string, ChaincodeConnection>();
  const semaphores = new Map<string, Record<keyof ConcurrencyLimits, Semaphore>>();
  const limits = { ...FABRIC_DEFAULT_LIMITS, ...opts.limits };
  const ordererOrg = net.ordererOrg;

  return {
    nodes,
    connections,
    semaphores,
    addServices(server, hospital, channel, log) {
      const paths = orgPaths(net, hospital);
      const ids = paths.peer!;
      const signer = SigningIdentity.fromFiles(hospital.mspId, ids.signCert, ids.privateKey);
      const resources = channel.resources();
      // The main chaincode, and the conformance suite's contract when network.yaml defines it.
      const servers = [{ name: net.chaincode.name, port: hospital.chaincodeServer.port }];
      if (net.testChaincode && hospital.chaincodeServer.testPort) {
        servers.push({ name: net.testChaincode.name, port: hospital.chaincodeServer.testPort });
      }
      const byName = new Map<string, ChaincodeConnection>();
      for (const cc of servers) {
        const connection = new ChaincodeConnection({
          name: cc.name,
          address: `127.0.0.1:${cc.port}`,
          // The chaincode server's TLS certificate comes from the same organisation's CA.
          tlsRootCert: readFileSync(ids.tlsCa),
          // The loopback address's name in every TLS certificate of ours (CA-issued and dev PKI).
          tlsServerName: 'localhost',
          clientCert: readFileSync(ids.tlsCert),
          clientKey: readFileSync(ids.tlsKey),
          executeTimeoutMs: opts.executeTimeoutMs,
          log: (level, msg, data) => log[level](data ?? {}, msg),
        });
        connection.start();
        byName.set(cc.name, connection);
        connections.set(`${hospital.mspId}/${cc.name}`, connection);
      }
      const endorser = new Endorser({
        channel: resources,
        ledger: channel.ledger,
        signer,
        chaincode: (name) => byName.get(name),
        log: (level, msg, data) => log[level](data ?? {}, msg),
      });
      const node: PeerNode = {
        mspId: hospital.mspId,
        address: `127.0.0.1:${hospital.peer.port}`,
        endorser,
        identity: resources.msps().deserializeIdentity(signer.serialized),
      };
      nodes.push(node);
      const gateway = new GatewayService({
        channel: resources,
        local: node,
        peers: () => nodes,
        orderer: channel.orderer,
        ordererEndpoint: {
          address: `127.0.0.1:${ordererOrg.orderer!.port}`,
          mspId: ordererOrg.mspId,
        },
        commits: channel.committer,
        ledger: channel.ledger,
        log: (level, msg, data) => log[level](data ?? {}, msg),
      });
      const sema = {
        endorser: new Semaphore(limits.endorser),
        deliver: new Semaphore(limits.deliver),
        gateway: new Semaphore(limits.gateway),
      };
      semaphores.set(hospital.mspId, sema);
      server.addService(
        gatewayServiceDefinition(),
        limitService('/gateway.Gateway', gateway.handlers(), sema.gateway),
      );
      server.addService(
        peerProto.EndorserService as unknown as grpc.ServiceDefinition,
        limitService('/protos.Endorser', endorserHandlers(endorser), sema.endorser),
      );
    },
    status() {
      return [...connections.entries()].map(([key, c]) => ({
        organization: key.split('/')[0]!,
        chaincode: c.name,
        state: c.status,
        registeredAs: c.registeredAs,
        connects: c.connects,
      }));
    },
    close() {
      for (const c of connections.values()) c.close();
    },
  };
}
