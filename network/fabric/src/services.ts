// The supervisor's view of real Fabric (LEDGER=fabric): one ServiceDefinition per orderer and per
// peer. Orderers wait for every organisation's CA (the genesis block carries every MSP), then
// join the channel through osnadmin; peers wait for the orderers, then join with the genesis block.
import type { Network, ServiceDefinition } from '@ehr/network';
import { resolveFabricBinaries, type FabricBinaries } from './binaries';
import { createGenesisBlock, joinOrderer, joinPeer } from './channel';
import { CCAAS_BUILDER_CONFIG_ENV } from './config/core';
import { writeFabricConfig } from './files';
import { operationsHealthy } from './health';
import { builderConfig, type PackageOptions } from './lifecycle';
import { fabricTopology, ordererServiceName, peerServiceName, type FabricTopology } from './topology';

/** INFO (debug slows a node a lot), without colour codes: the logs are files. */
const LOGGING = {
  FABRIC_LOGGING_SPEC: 'INFO',
  FABRIC_LOGGING_FORMAT: '%{time:2006-01-02 15:04:05.000 MST} %{level:.4s} [%{module}] %{shortfunc} -> %{message}',
};

/** The CA service of an organisation, as the foundation's CA definitions name it. */
export const caServiceName = (orgName: string) => `ca-${orgName.toLowerCase()}`;

export interface FabricServicesOptions {
  env?: NodeJS.ProcessEnv;
  chaincode?: PackageOptions;
  log?: (line: string) => void;
}

export function fabricServices(net: Network, opts: FabricServicesOptions = {}): ServiceDefinition[] {
  const env = opts.env ?? process.env;
  const topo: FabricTopology = fabricTopology(net, env);
  const chaincode = opts.chaincode ?? { tls: true };
  let bins: FabricBinaries | undefined;
  const binaries = async () => (bins ??= await resolveFabricBinaries(net.cacheDir, env, opts.log));
  let configured = false;
  const prepare = async () => {
    const b = await binaries();
    if (!configured) writeFabricConfig(topo, b);
    configured = true;
    await createGenesisBlock(topo, b);
  };
  const allCas = net.organizations.map((o) => caServiceName(o.name));

  const orderers = topo.orderers.map(
    (o): ServiceDefinition => ({
      name: ordererServiceName(o),
      dependsOn: allCas,
      prepare,
      process: async () => ({
        command: (await binaries()).tool.orderer,
        args: [],
        env: { FABRIC_CFG_PATH: o.configDir, ...LOGGING },
      }),
      healthy: () => operationsHealthy(o.operationsPort),
      afterStart: async () => {
        await joinOrderer(topo, await binaries(), o);
      },
    }),
  );
  const peers = topo.peers.map(
    (p): ServiceDefinition => ({
      name: peerServiceName(p),
      dependsOn: [caServiceName(p.org.name), ...orderers.map((o) => o.name)],
      prepare,
      process: async () => ({
        command: (await binaries()).tool.peer,
        args: ['node', 'start'],
        env: {
          FABRIC_CFG_PATH: p.configDir,
          ...LOGGING,
          [CCAAS_BUILDER_CONFIG_ENV]: builderConfig(topo, p, chaincode),
        },
      }),
      healthy: () => operationsHealthy(p.operationsPort),
      afterStart: async () => {
        await joinPeer(topo, await binaries(), p);
      },
    }),
  );
  return [...orderers, ...peers];
}
