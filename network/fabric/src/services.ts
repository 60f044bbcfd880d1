// The supervisor's view of real Fabric (LEDGER=fabric): one ServiceDefinition per orderer and per
// peer. Orderers wait for every organisation's CA (the genesis block carries every MSP), then
// join the channel through osnadmin; peers wait for the orderers, then join with the genesis
// block. The chaincode servers (chaincode package) wait for the peers and get their package id
// from fabricChaincodeBinding, which deploys the chaincode the first time it is asked.
import { caService, caServiceName, type Network, type ServiceDefinition } from '@ehr/network';
import { resolveFabricBinaries, type FabricBinaries } from './binaries';
import { createGenesisBlock, joinOrderer, joinPeer } from './channel';
import { CCAAS_BUILDER_CONFIG_ENV } from './config/core';
import { writeFabricConfig } from './files';
import { nodeReady } from './health';
import { builderConfig, chaincodeSpecs, deployChaincode, type PackageOptions } from './lifecycle';
import { waitForFabricReady } from './status';
import {
  endpoint,
  fabricTopology,
  ordererServiceName,
  peerServiceName,
  type FabricTopology,
} from './topology';

/** INFO (debug slows a node a lot), without colour codes: the logs are files. */
const LOGGING = {
  FABRIC_LOGGING_SPEC: 'INFO',
  FABRIC_LOGGING_FORMAT:
    '%{time:2006-01-02 15:04:05.000 MST} %{level:.4s} [%{module}] %{shortfunc} -> %{message}',
};

export interface FabricOptions {
  env?: NodeJS.ProcessEnv;
  /** Peers reach the chaincode servers over TLS (default true; the servers use the layout's chaincode TLS identity). */
  chaincode?: PackageOptions;
  log?: (line: string) => void;
}

/** One real Fabric network: its topology, binaries (resolved once) and chaincode deployment (done once). */
export class FabricRuntime {
  topo: FabricTopology;
  readonly chaincode: PackageOptions;
  private bins?: Promise<FabricBinaries>;
  private prepared?: Promise<void>;
  private deployed?: Promise<string>;

  constructor(
    readonly net: Network,
    private readonly opts: FabricOptions = {},
  ) {
    this.topo = fabricTopology(net, opts.env ?? process.env);
    this.chaincode = opts.chaincode ?? { tls: true };
  }

  /** Re-reads the topology (a hospital joined) and forgets what must be redone for it. */
  reload(): void {
    this.topo = fabricTopology(this.net, this.opts.env ?? process.env);
    this.prepared = undefined;
    this.deployed = undefined;
  }

  binaries(): Promise<FabricBinaries> {
    return (this.bins ??= resolveFabricBinaries(
      this.net.cacheDir,
      this.opts.env ?? process.env,
      this.opts.log,
    ));
  }

  /** Configuration files and the genesis block (needs every organisation's MSP folder). */
  prepare(): Promise<void> {
    return (this.prepared ??= (async () => {
      const bins = await this.binaries();
      writeFabricConfig(this.topo, bins);
      await createGenesisBlock(this.topo, bins);
    })().catch((e: unknown) => {
      this.prepared = undefined;
      throw e;
    }));
  }

  /** Deploys the chaincodes (each step only if not done); returns the system chaincode's package id. */
  packageId(): Promise<string> {
    return (this.deployed ??= (async () => {
      const bins = await this.binaries();
      const ids: string[] = [];
      for (const cc of chaincodeSpecs(this.net)) {
        ids.push(
          (await deployChaincode(this.topo, bins, cc, this.chaincode, this.opts.log)).packageId,
        );
      }
      return ids[0]!;
    })().catch((e: unknown) => {
      this.deployed = undefined;
      throw e;
    }));
  }

  services(): ServiceDefinition[] {
    const { topo } = this;
    const allCas = this.net.organizations.map((o) => caServiceName(o));
    // Hospitals that joined later have their CA run with the network's (it is theirs to run).
    const joinedCas = topo.peers
      .filter((p) => p.joinedLater)
      .map((p) => caService(this.net, p.org));
    const orderers = topo.orderers.map((o): ServiceDefinition => ({
      name: ordererServiceName(o),
      dependsOn: allCas,
      prepare: () => this.prepare(),
      process: async () => ({
        command: (await this.binaries()).tool.orderer,
        args: [],
        env: { FABRIC_CFG_PATH: o.configDir, ...LOGGING },
      }),
      healthy: () => nodeReady(o.operationsPort, [o.port, o.adminPort]),
      afterStart: async () => {
        await joinOrderer(topo, await this.binaries(), o);
      },
      summary: () => [
        `Fabric ${o.name}: ${endpoint(o.port)} (admin ${endpoint(o.adminPort)}), data in ${o.dataDir}`,
      ],
    }));
    const peers = topo.peers.map((p): ServiceDefinition => ({
      name: peerServiceName(p),
      dependsOn: [caServiceName(p.org), ...orderers.map((o) => o.name)],
      prepare: () => this.prepare(),
      process: async () => ({
        command: (await this.binaries()).tool.peer,
        args: ['node', 'start'],
        env: {
          FABRIC_CFG_PATH: p.configDir,
          ...LOGGING,
          [CCAAS_BUILDER_CONFIG_ENV]: builderConfig(topo, p, this.chaincode),
        },
      }),
      healthy: () => nodeReady(p.operationsPort, [p.port]),
      afterStart: async () => {
        await joinPeer(topo, await this.binaries(), p);
      },
      summary: () => [
        `Fabric ${p.name} of ${p.org.name}: ${endpoint(p.port)}, data in ${p.dataDir}`,
      ],
    }));
    return [...joinedCas, ...orderers, ...peers];
  }

  /**
   * What a chaincode server needs on real Fabric: the services to wait for, and (in its prepare or
   * process) its CHAINCODE_ID. The first call deploys the chaincode and waits for gossip, so the
   * network accepts transactions once the chaincode servers are healthy.
   */
  chaincodeBinding(): { dependsOn: string[]; packageId(): Promise<string> } {
    return {
      dependsOn: this.topo.peers.map(peerServiceName),
      packageId: async () => {
        const id = await this.packageId();
        await waitForFabricReady(this.topo);
        return id;
      },
    };
  }
}

const runtimes = new Map<string, FabricRuntime>();

/** The runtime of this network (one per data directory and port set, shared by every caller). */
export function fabricRuntime(net: Network, opts: FabricOptions = {}): FabricRuntime {
  const key = `${net.dataDir}|${net.ordererOrg.orderer?.port}|${opts.env?.FABRIC_ORDERERS ?? process.env.FABRIC_ORDERERS ?? '1'}`;
  let rt = runtimes.get(key);
  if (!rt) runtimes.set(key, (rt = new FabricRuntime(net, opts)));
  return rt;
}

/** ServiceDefinitions of the orderers and peers, registered by the supervisor when LEDGER=fabric. */
export const fabricServices = (net: Network, opts?: FabricOptions) =>
  fabricRuntime(net, opts).services();

/** For the chaincode servers when LEDGER=fabric: see FabricRuntime.chaincodeBinding. */
export const fabricChaincodeBinding = (net: Network, opts?: FabricOptions) =>
  fabricRuntime(net, opts).chaincodeBinding();

/** The services that make the ledger available on real Fabric (what ledger users wait for). */
export const fabricLedgerServiceNames = (net: Network, env: NodeJS.ProcessEnv = process.env) =>
  fabricTopology(net, env).peers.map(peerServiceName);
