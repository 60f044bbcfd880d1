// Where the official Fabric binaries come from. Either FABRIC_BIN names a directory laid out as
//
//   $FABRIC_BIN/peer, orderer, osnadmin, configtxgen, configtxlator
//   $FABRIC_BIN/ccaas/bin/detect, build, release        (the CCaaS external builder)
//
// or, when the machine can reach GitHub's release downloads, the pinned release archive is
// downloaded into the cache, checked against its pinned SHA-256 and unpacked (its own layout is
// bin/ and builders/ccaas/bin/). Nothing is built or downloaded silently into the repository.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FABRIC_VERSION = '3.1.5';
export const RELEASE_URL = `https://github.com/hyperledger/fabric/releases/download/v${FABRIC_VERSION}/hyperledger-fabric-linux-amd64-${FABRIC_VERSION}.tar.gz`;
/**
 * SHA-256 of the linux-amd64 release archive above. Hyperledger publishes no checksum file, and
 * our machines cannot download the archive, so the value is corroborated instead: five
 * independent public packagers pin the same hash for this URL (an Arch AUR PKGBUILD, a Homebrew
 * tap, three projects' download scripts; checked 2026-11-24). Where GitHub is reachable, the
 * release page's asset digest is the authority to compare with. A download whose hash differs
 * is refused and deleted.
 */
export const RELEASE_SHA256 = 'b9c31fd490991e76f8acb1835dee09fc19fee5428cb13e190ee6e0bdd2c37858';

export const TOOLS = ['peer', 'orderer', 'osnadmin', 'configtxgen', 'configtxlator'] as const;
export const CCAAS_STEPS = ['detect', 'build', 'release'] as const;
export type Tool = (typeof TOOLS)[number];

export interface FabricBinaries {
  /** Where they were found, for messages. */
  source: string;
  tool: Record<Tool, string>;
  /** The external builder's directory (holds bin/detect, bin/build, bin/release). */
  ccaasDir: string;
}

export class FabricBinariesMissing extends Error {
  override name = 'FabricBinariesMissing';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Checks a directory against the layout; returns the missing files (empty when complete). */
export function missingFiles(binDir: string, ccaasDir: string): string[] {
  const want = [
    ...TOOLS.map((t) => join(binDir, t)),
    ...CCAAS_STEPS.map((s) => join(ccaasDir, 'bin', s)),
  ];
  return want.filter((f) => !executable(f));
}

function fromDirs(source: string, binDir: string, ccaasDir: string): FabricBinaries {
  const tool = Object.fromEntries(TOOLS.map((t) => [t, join(binDir, t)])) as Record<Tool, string>;
  return { source, tool, ccaasDir };
}

/** The release archive unpacked in the cache (bin/, builders/ccaas/). */
export const releaseDir = (cacheDir: string) =>
  join(cacheDir, 'fabric', `fabric-${FABRIC_VERSION}`);

const howTo = (cacheDir: string) =>
  `Real Fabric needs its binaries, and there are two ways to provide them:\n` +
  `  1. FABRIC_BIN=/path/to/dir with peer, orderer, osnadmin, configtxgen, configtxlator and ` +
  `ccaas/bin/{detect,build,release} (Fabric ${FABRIC_VERSION}; see README "Running on real Fabric");\n` +
  `  2. network access to ${RELEASE_URL}: it is then downloaded into ${releaseDir(cacheDir)} ` +
  `and checked against SHA-256 ${RELEASE_SHA256}.`;

/** FABRIC_BIN if set (it must be complete), else a release already unpacked in the cache. */
export function findFabricBinaries(
  cacheDir: string,
  env: NodeJS.ProcessEnv = process.env,
): FabricBinaries | undefined {
  const dir = env.FABRIC_BIN;
  if (dir) {
    const missing = missingFiles(dir, join(dir, 'ccaas'));
    if (missing.length) {
      throw new FabricBinariesMissing(
        `FABRIC_BIN=${dir} lacks: ${missing.join(', ')}\n${howTo(cacheDir)}`,
      );
    }
    return fromDirs(`FABRIC_BIN=${dir}`, dir, join(dir, 'ccaas'));
  }
  const rel = releaseDir(cacheDir);
  if (missingFiles(join(rel, 'bin'), join(rel, 'builders', 'ccaas')).length === 0) {
    return fromDirs(
      `release ${FABRIC_VERSION} in ${rel}`,
      join(rel, 'bin'),
      join(rel, 'builders', 'ccaas'),
    );
  }
  return undefined;
}

/** Downloads and unpacks the pinned release; fails at once (short timeout) when unreachable. */
export async function downloadRelease(
  cacheDir: string,
  log: (line: string) => void = () => {},
): Promise<FabricBinaries> {
  const rel = releaseDir(cacheDir);
  let body: Buffer;
  try {
    log(`downloading ${RELEASE_URL}`);
    // An unreachable host fails within seconds; a slow but live download gets ten minutes.
    const abort = new AbortController();
    let timer = setTimeout(() => abort.abort(new Error('no answer within 20 s')), 20_000);
    try {
      const res = await fetch(RELEASE_URL, { signal: abort.signal });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(new Error('download took over 10 minutes')), 600_000);
      body = Buffer.from(await res.arrayBuffer());
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    throw new FabricBinariesMissing(
      `FABRIC_BIN is not set and the release could not be downloaded (${(e as Error).message}).\n${howTo(cacheDir)}`,
    );
  }
  const sha = createHash('sha256').update(body).digest('hex');
  if (sha !== RELEASE_SHA256) {
    throw new FabricBinariesMissing(
      `the downloaded release has SHA-256 ${sha}, not the pinned ${RELEASE_SHA256}: refused.\n${howTo(cacheDir)}`,
    );
  }
  const tmp = `${rel}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const archive = join(tmp, 'release.tar.gz');
  writeFileSync(archive, body);
  const tar = spawnSync('tar', ['-xzf', archive, '-C', tmp], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  rmSync(archive);
  rmSync(rel, { recursive: true, force: true });
  renameSync(tmp, rel);
  const found = findFabricBinaries(cacheDir, {});
  if (!found)
    throw new FabricBinariesMissing(
      `the release archive lacks the expected files.\n${howTo(cacheDir)}`,
    );
  return found;
}

/** FABRIC_BIN, the cached release, or a download; otherwise a FabricBinariesMissing naming both ways. */
export async function resolveFabricBinaries(
  cacheDir: string,
  env: NodeJS.ProcessEnv = process.env,
  log?: (line: string) => void,
): Promise<FabricBinaries> {
  const found = findFabricBinaries(cacheDir, env);
  if (found) return found;
  if (env.FABRIC_DOWNLOAD === '0')
    throw new FabricBinariesMissing(`FABRIC_BIN is not set.\n${howTo(cacheDir)}`);
  return downloadRelease(cacheDir, log);
}
