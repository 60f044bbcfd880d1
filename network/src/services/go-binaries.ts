// Where the Go binaries built by scripts/bootstrap.mjs live. The bootstrap passes their folders in
// EHR_GO_BIN (':'-separated); without it (e.g. jest started by hand) the folder is computed the same
// way the bootstrap does: <cache>/bin/<tool>-<version>-<first 8 hex of sha256(go.sum)>.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type Network } from '../config';

/** The tools modules under scripts/tools/ and the binaries each one builds. */
const TOOLS = {
  'fabric-ca': {
    module: 'github.com/hyperledger/fabric-ca',
    bins: ['fabric-ca-server', 'fabric-ca-client'],
  },
  kubo: { module: 'github.com/ipfs/kubo', bins: ['ipfs'] },
  'ipfs-cluster': {
    module: 'github.com/ipfs-cluster/ipfs-cluster',
    bins: ['ipfs-cluster-service', 'ipfs-cluster-ctl'],
  },
} as const;

export type GoTool = keyof typeof TOOLS;
export type GoBinary = (typeof TOOLS)[GoTool]['bins'][number];

function toolDir(net: Network, tool: GoTool): string {
  const dir = join(REPO_ROOT, 'scripts', 'tools', tool);
  const gomod = readFileSync(join(dir, 'go.mod'), 'utf8');
  const module = TOOLS[tool].module.replace(/[.]/g, '\\.');
  const version = new RegExp(`^\\s*(?:require\\s+)?${module}\\s+(v\\S+)`, 'm').exec(gomod)?.[1];
  if (!version)
    throw new Error(`scripts/tools/${tool}/go.mod does not require ${TOOLS[tool].module}`);
  const sum = createHash('sha256')
    .update(readFileSync(join(dir, 'go.sum')))
    .digest('hex');
  return join(net.cacheDir, 'bin', `${tool}-${version}-${sum.slice(0, 8)}`);
}

/** Absolute path of a binary built by the bootstrap; throws with the fix when it is missing. */
export function goBinary(net: Network, name: GoBinary): string {
  const fromEnv = (process.env.EHR_GO_BIN ?? '').split(':').filter(Boolean);
  for (const dir of fromEnv) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  const tool = (Object.keys(TOOLS) as GoTool[]).find((t) =>
    (TOOLS[t].bins as readonly string[]).includes(name),
  )!;
  const path = join(toolDir(net, tool), name);
  if (!existsSync(path)) {
    throw new Error(
      `${name} not found at ${path}: run \`npm start\` or \`npm test\` once to build it`,
    );
  }
  return path;
}
