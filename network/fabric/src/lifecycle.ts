// Chaincode as a service on real Fabric: one CCaaS package per chaincode (the chaincode
// package's reproducible packaging: metadata.json + code.tar.gz holding a templated
// connection.json), installed on every peer, approved by every hospital with the endorsement
// policy of network.yaml, committed once a majority approved, as Fabric's _lifecycle requires.
// Each peer fills the template with its own hospital's chaincode server through
// CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG, so one package id serves every hospital. The main
// chaincode and, when network.yaml defines it, the conformance suite's test chaincode are deployed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ccaasPackage, connectionTemplate, packageLabel } from '@ehr/chaincode/packaging';
import { orgPaths, type Network } from '@ehr/network';
import type { FabricBinaries } from './binaries';
import { FabricToolError, runTool } from './exec';
import { ordererFlags, peerAdminEnv } from './identities';
import { endpoint, type FabricTopology, type PeerNode } from './topology';

export interface ChaincodeDeployment {
  packageId: string;
  sequence: number;
}

/** Whether peers talk TLS to the chaincode servers (their TLS identity is in the layout). */
export interface PackageOptions {
  tls: boolean;
}

/** A chaincode of network.yaml and the builder-config field naming its server's address. */
export interface ChaincodeSpec {
  name: string;
  version: string;
  endorsementPolicy: string;
  addressField: 'address' | 'test_address';
}

/** The chaincodes deployed on real Fabric: the system's, and the conformance suite's if defined. */
export function chaincodeSpecs(net: Network): ChaincodeSpec[] {
  const specs: ChaincodeSpec[] = [{ ...net.chaincode, addressField: 'address' }];
  if (net.testChaincode) specs.push({ ...net.testChaincode, addressField: 'test_address' });
  return specs;
}

export const packageFile = (topo: FabricTopology, cc: ChaincodeSpec) =>
  join(topo.chaincodeDir, `${cc.name}.tar.gz`);
export const packageIdFile = (topo: FabricTopology, cc: ChaincodeSpec) =>
  join(topo.chaincodeDir, `${cc.name}.package-id`);

/** The package's bytes and id: reproducible, so anyone can compute the id without the network. */
export function chaincodePackage(cc: ChaincodeSpec, opts: PackageOptions) {
  const connection = { ...connectionTemplate(opts.tls), address: `{{.${cc.addressField}}}` };
  return ccaasPackage(packageLabel(cc.name, cc.version), connection);
}

/** connection.json with Go-template fields the CCaaS builder fills per peer. */
export const connectionJson = (opts: PackageOptions) => connectionTemplate(opts.tls);

/** The builder configuration one peer's process carries: its hospital's chaincode servers. */
export function builderConfig(topo: FabricTopology, peer: PeerNode, opts: PackageOptions): string {
  const server = peer.org.chaincodeServer;
  const cfg: Record<string, string> = { address: endpoint(server.port) };
  if (server.testPort) cfg.test_address = endpoint(server.testPort);
  if (opts.tls) {
    const cc = orgPaths(topo.net, peer.org).chaincodeServer;
    if (!cc) throw new Error(`no chaincode server identity for ${peer.org.name}`);
    cfg.root_cert = existsSync(cc.tlsCa) ? readFileSync(cc.tlsCa, 'utf8') : '';
  }
  return JSON.stringify(cfg);
}

/** Writes the package file and returns its id. */
export function writePackage(
  topo: FabricTopology,
  cc: ChaincodeSpec,
  opts: PackageOptions,
): string {
  const pkg = chaincodePackage(cc, opts);
  mkdirSync(topo.chaincodeDir, { recursive: true });
  writeFileSync(packageFile(topo, cc), pkg.bytes);
  return pkg.packageId;
}

async function installedIds(
  topo: FabricTopology,
  bins: FabricBinaries,
  peer: PeerNode,
): Promise<string[]> {
  const { stdout } = await runTool(
    bins.tool.peer,
    ['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json'],
    peerAdminEnv(topo, peer),
  );
  const parsed = JSON.parse(stdout || '{}') as { installed_chaincodes?: { package_id: string }[] };
  return (parsed.installed_chaincodes ?? []).map((c) => c.package_id);
}

export async function installOnPeer(
  topo: FabricTopology,
  bins: FabricBinaries,
  peer: PeerNode,
  cc: ChaincodeSpec,
  packageId: string,
) {
  if ((await installedIds(topo, bins, peer)).includes(packageId)) return false;
  await runTool(
    bins.tool.peer,
    ['lifecycle', 'chaincode', 'install', packageFile(topo, cc)],
    peerAdminEnv(topo, peer),
    300_000,
  );
  return true;
}

interface Committed {
  sequence: number;
  version: string;
}

export async function queryCommitted(
  topo: FabricTopology,
  bins: FabricBinaries,
  name: string = topo.net.chaincode.name,
): Promise<Committed | undefined> {
  try {
    const { stdout } = await runTool(
      bins.tool.peer,
      [
        'lifecycle',
        'chaincode',
        'querycommitted',
        '-C',
        topo.channel,
        '-n',
        name,
        '--output',
        'json',
      ],
      peerAdminEnv(topo, topo.peers[0]!),
    );
    return JSON.parse(stdout) as Committed;
  } catch (e) {
    // Fabric answers 404 "namespace <name> is not defined" before the first commit.
    if (e instanceof FabricToolError && /404|not defined/.test(e.message)) return undefined;
    throw e;
  }
}

async function approvedPackage(
  topo: FabricTopology,
  bins: FabricBinaries,
  peer: PeerNode,
  name: string,
  sequence: number,
): Promise<string | undefined> {
  try {
    const { stdout } = await runTool(
      bins.tool.peer,
      [
        'lifecycle',
        'chaincode',
        'queryapproved',
        '-C',
        topo.channel,
        '-n',
        name,
        '--sequence',
        String(sequence),
        '--output',
        'json',
      ],
      peerAdminEnv(topo, peer),
    );
    const parsed = JSON.parse(stdout) as {
      source?: { Type?: { LocalPackage?: { package_id?: string } } };
    };
    return parsed.source?.Type?.LocalPackage?.package_id ?? '';
  } catch (e) {
    if (e instanceof FabricToolError && /404|not defined|could not fetch/.test(e.message))
      return undefined;
    throw e;
  }
}

function definitionFlags(topo: FabricTopology, cc: ChaincodeSpec, sequence: number): string[] {
  return [
    '-C',
    topo.channel,
    '-n',
    cc.name,
    '-v',
    cc.version,
    '--sequence',
    String(sequence),
    '--signature-policy',
    cc.endorsementPolicy,
  ];
}

/** Package, install on every peer, approve per hospital, commit: each step only if not yet done. */
export async function deployChaincode(
  topo: FabricTopology,
  bins: FabricBinaries,
  cc: ChaincodeSpec,
  opts: PackageOptions,
  log: (line: string) => void = () => {},
): Promise<ChaincodeDeployment> {
  const packageId = writePackage(topo, cc, opts);
  writeFileSync(packageIdFile(topo, cc), `${packageId}\n`);
  for (const peer of topo.peers) {
    if (await installOnPeer(topo, bins, peer, cc, packageId))
      log(`installed ${packageId} on ${peer.name}.${peer.org.name}`);
  }
  const committed = await queryCommitted(topo, bins, cc.name);
  const sequence = !committed
    ? 1
    : committed.version === cc.version
      ? committed.sequence
      : committed.sequence + 1;
  for (const peer of topo.peers) {
    if ((await approvedPackage(topo, bins, peer, cc.name, sequence)) === packageId) continue;
    await runTool(
      bins.tool.peer,
      [
        'lifecycle',
        'chaincode',
        'approveformyorg',
        ...ordererFlags(topo),
        ...definitionFlags(topo, cc, sequence),
        '--package-id',
        packageId,
        '--waitForEvent',
      ],
      peerAdminEnv(topo, peer),
    );
    log(`${peer.org.mspId} approved ${cc.name} sequence ${sequence}`);
  }
  if (committed?.sequence !== sequence) {
    const peerFlags = topo.peers.flatMap((p) => [
      '--peerAddresses',
      endpoint(p.port),
      '--tlsRootCertFiles',
      p.identity.tlsCa,
    ]);
    await runTool(
      bins.tool.peer,
      [
        'lifecycle',
        'chaincode',
        'commit',
        ...ordererFlags(topo),
        ...definitionFlags(topo, cc, sequence),
        ...peerFlags,
        '--waitForEvent',
      ],
      peerAdminEnv(topo, topo.peers[0]!),
    );
    log(`committed ${cc.name} ${cc.version} sequence ${sequence}`);
  }
  return { packageId, sequence };
}

/** The package id recorded by the last deployment (chaincode servers start with it). */
export function recordedPackageId(topo: FabricTopology, cc: ChaincodeSpec): string | undefined {
  const file = packageIdFile(topo, cc);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * What the integration suites need to run on real Fabric (`npm run test:fabric`): the package id
 * under which the conformance suite's own chaincode servers must register (computable offline).
 */
export function fabricTestEnv(
  net: Network,
  opts: PackageOptions = { tls: true },
): Record<string, string> {
  const test = chaincodeSpecs(net).find((c) => c.addressField === 'test_address');
  return test ? { EHR_LEDGERTEST_CHAINCODE_ID: chaincodePackage(test, opts).packageId } : {};
}
