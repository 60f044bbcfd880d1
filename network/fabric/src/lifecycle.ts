// Chaincode as a service on real Fabric: one CCaaS package (metadata.json + code.tar.gz holding a
// templated connection.json), installed on every peer, approved by every hospital with the
// endorsement policy of network.yaml, committed once a majority approved, as Fabric's
// _lifecycle requires. Each peer fills the template with its own hospital's chaincode server
// through CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG, so one package id serves every hospital.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { orgPaths } from '@ehr/network';
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

export const packageFile = (topo: FabricTopology) => join(topo.chaincodeDir, `${topo.net.chaincode.name}.tar.gz`);
export const packageIdFile = (topo: FabricTopology) => join(topo.chaincodeDir, 'package-id');
export const packageLabel = (topo: FabricTopology) =>
  `${topo.net.chaincode.name}_${topo.net.chaincode.version}`.replace(/[^A-Za-z0-9_.+-]/g, '_');

/** A reproducible tar.gz of the given files (fixed order, owner and times), made with GNU tar. */
function tarGz(dir: string, names: string[], out: string): void {
  const tar = spawnSync(
    'tar',
    ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', dir, '-cf', '-', ...names],
    { maxBuffer: 64 << 20 },
  );
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
  const gz = spawnSync('gzip', ['-n', '-9'], { input: tar.stdout, maxBuffer: 64 << 20 });
  if (gz.status !== 0) throw new Error(`gzip failed: ${gz.stderr.toString()}`);
  writeFileSync(out, gz.stdout);
}

/** connection.json with Go-template fields the CCaaS builder fills per peer. */
export function connectionJson(opts: PackageOptions): Record<string, unknown> {
  return {
    address: '{{.address}}',
    dial_timeout: '10s',
    tls_required: opts.tls,
    ...(opts.tls ? { client_auth_required: false, root_cert: '{{.root_cert}}' } : {}),
  };
}

/** The builder configuration one peer's process carries: its hospital's chaincode server. */
export function builderConfig(topo: FabricTopology, peer: PeerNode, opts: PackageOptions): string {
  const cfg: Record<string, string> = { address: endpoint(peer.org.chaincodeServer.port) };
  if (opts.tls) {
    const cc = orgPaths(topo.net, peer.org).chaincodeServer;
    if (!cc) throw new Error(`no chaincode server identity for ${peer.org.name}`);
    cfg.root_cert = existsSync(cc.tlsCa) ? readFileSync(cc.tlsCa, 'utf8') : '';
  }
  return JSON.stringify(cfg);
}

/** Writes the package once (its bytes decide the package id, so it is never rewritten). */
export function writePackage(topo: FabricTopology, opts: PackageOptions): string {
  const file = packageFile(topo);
  if (existsSync(file)) return file;
  mkdirSync(topo.chaincodeDir, { recursive: true });
  const work = mkdtempSync(join(topo.chaincodeDir, '.pkg-'));
  try {
    mkdirSync(join(work, 'code'));
    writeFileSync(join(work, 'code', 'connection.json'), JSON.stringify(connectionJson(opts), null, 2));
    tarGz(join(work, 'code'), ['connection.json'], join(work, 'code.tar.gz'));
    writeFileSync(join(work, 'metadata.json'), JSON.stringify({ type: 'ccaas', label: packageLabel(topo) }));
    tarGz(work, ['code.tar.gz', 'metadata.json'], file);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return file;
}

export async function calculatePackageId(topo: FabricTopology, bins: FabricBinaries): Promise<string> {
  const { stdout } = await runTool(
    bins.tool.peer,
    ['lifecycle', 'chaincode', 'calculatepackageid', packageFile(topo)],
    peerAdminEnv(topo, topo.peers[0]!),
  );
  return stdout.trim();
}

async function installedIds(topo: FabricTopology, bins: FabricBinaries, peer: PeerNode): Promise<string[]> {
  const { stdout } = await runTool(
    bins.tool.peer,
    ['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json'],
    peerAdminEnv(topo, peer),
  );
  const parsed = JSON.parse(stdout || '{}') as { installed_chaincodes?: { package_id: string }[] };
  return (parsed.installed_chaincodes ?? []).map((c) => c.package_id);
}

export async function installOnPeer(topo: FabricTopology, bins: FabricBinaries, peer: PeerNode, packageId: string) {
  if ((await installedIds(topo, bins, peer)).includes(packageId)) return false;
  await runTool(bins.tool.peer, ['lifecycle', 'chaincode', 'install', packageFile(topo)], peerAdminEnv(topo, peer), 300_000);
  return true;
}

interface Committed {
  sequence: number;
  version: string;
}

export async function queryCommitted(topo: FabricTopology, bins: FabricBinaries): Promise<Committed | undefined> {
  const { name } = topo.net.chaincode;
  try {
    const { stdout } = await runTool(
      bins.tool.peer,
      ['lifecycle', 'chaincode', 'querycommitted', '-C', topo.channel, '-n', name, '--output', 'json'],
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
  sequence: number,
): Promise<string | undefined> {
  const { name } = topo.net.chaincode;
  try {
    const { stdout } = await runTool(
      bins.tool.peer,
      ['lifecycle', 'chaincode', 'queryapproved', '-C', topo.channel, '-n', name, '--sequence', String(sequence), '--output', 'json'],
      peerAdminEnv(topo, peer),
    );
    const parsed = JSON.parse(stdout) as { source?: { Type?: { LocalPackage?: { package_id?: string } } } };
    return parsed.source?.Type?.LocalPackage?.package_id ?? '';
  } catch (e) {
    if (e instanceof FabricToolError && /404|not defined|could not fetch/.test(e.message)) return undefined;
    throw e;
  }
}

function definitionFlags(topo: FabricTopology, sequence: number): string[] {
  const cc = topo.net.chaincode;
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
  opts: PackageOptions,
  log: (line: string) => void = () => {},
): Promise<ChaincodeDeployment> {
  writePackage(topo, opts);
  const packageId = await calculatePackageId(topo, bins);
  writeFileSync(packageIdFile(topo), `${packageId}\n`);
  for (const peer of topo.peers) {
    if (await installOnPeer(topo, bins, peer, packageId)) log(`installed ${packageId} on ${peer.name}.${peer.org.name}`);
  }
  const committed = await queryCommitted(topo, bins);
  const sequence = !committed
    ? 1
    : committed.version === topo.net.chaincode.version
      ? committed.sequence
      : committed.sequence + 1;
  for (const peer of topo.peers) {
    if ((await approvedPackage(topo, bins, peer, sequence)) === packageId) continue;
    await runTool(
      bins.tool.peer,
      ['lifecycle', 'chaincode', 'approveformyorg', ...ordererFlags(topo), ...definitionFlags(topo, sequence), '--package-id', packageId, '--waitForEvent'],
      peerAdminEnv(topo, peer),
    );
    log(`${peer.org.mspId} approved ${topo.net.chaincode.name} sequence ${sequence}`);
  }
  if (committed?.sequence !== sequence) {
    const peerFlags = topo.peers.flatMap((p) => ['--peerAddresses', endpoint(p.port), '--tlsRootCertFiles', p.identity.tlsCa]);
    await runTool(
      bins.tool.peer,
      ['lifecycle', 'chaincode', 'commit', ...ordererFlags(topo), ...definitionFlags(topo, sequence), ...peerFlags, '--waitForEvent'],
      peerAdminEnv(topo, topo.peers[0]!),
    );
    log(`committed ${topo.net.chaincode.name} ${topo.net.chaincode.version} sequence ${sequence}`);
  }
  return { packageId, sequence };
}

/** The package id recorded by the last deployment (chaincode servers start with it). */
export function recordedPackageId(topo: FabricTopology): string | undefined {
  const file = packageIdFile(topo);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
