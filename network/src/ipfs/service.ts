// Per hospital: `ipfs-<org>` (Kubo daemon) and `cluster-<org>` (IPFS Cluster peer, after Kubo).
import type { Hospital, Network } from '../config';
import { goBinary } from '../services/go-binaries';
import { httpOk } from '../services/probes';
import type { ServiceDefinition } from '../services/service';
import { replicatorService } from './replicator';
import {
  CLUSTER_API_USER,
  clusterApiAuthorization,
  clusterApiPasswordFile,
  initIpfsRepos,
  ipfsEnv,
  writeClusterConfig,
  writeKuboConfig,
} from './config';

export const kuboServiceName = (org: Hospital) => `ipfs-${org.name.toLowerCase()}`;
export const clusterServiceName = (org: Hospital) => `cluster-${org.name.toLowerCase()}`;

export function kuboService(net: Network, org: Hospital): ServiceDefinition {
  return {
    name: kuboServiceName(org),
    dependsOn: [],
    async prepare() {
      await initIpfsRepos(net); // every hospital's: the configs name each other's peer ids
      writeKuboConfig(net, org);
    },
    process: () => ({
      command: goBinary(net, 'ipfs'),
      // --migrate=false: never download repository migrations.
      args: ['daemon', '--migrate=false'],
      env: ipfsEnv(net, org),
    }),
    healthy: () => httpOk(`http://127.0.0.1:${org.ipfs.apiPort}/api/v0/id`, { method: 'POST' }),
    summary: () => [
      `${org.name} IPFS  API http://127.0.0.1:${org.ipfs.apiPort}  gateway http://127.0.0.1:${org.ipfs.gatewayPort}`,
    ],
  };
}

export function clusterService(net: Network, org: Hospital): ServiceDefinition {
  return {
    name: clusterServiceName(org),
    dependsOn: [kuboServiceName(org)],
    async prepare() {
      await initIpfsRepos(net);
      writeClusterConfig(net, org);
    },
    process: () => ({
      command: goBinary(net, 'ipfs-cluster-service'),
      args: ['daemon'],
      env: ipfsEnv(net, org),
    }),
    healthy: () =>
      httpOk(`http://127.0.0.1:${org.ipfs.clusterApiPort}/id`, {
        headers: { authorization: clusterApiAuthorization(net, org) },
      }),
    summary: () => [
      `${org.name} IPFS Cluster  http://127.0.0.1:${org.ipfs.clusterApiPort}  (basic auth ${CLUSTER_API_USER}, password in ${clusterApiPasswordFile(net, org)})`,
    ],
  };
}

/** Kubo, cluster and replicator services of every hospital. */
export const ipfsServices = (net: Network): ServiceDefinition[] =>
  net.hospitals.flatMap((h) => [
    kuboService(net, h),
    clusterService(net, h),
    replicatorService(net, h, clusterServiceName(h)),
  ]);
