// Builds the anchor contract's ABI and bytecode from contracts/*.sol with solc-js at the pinned
// version (the package's exact `solc` dependency). The result is cached in dist/contracts/ under
// a hash of the compiler input, so a changed source or compiler setting recompiles and an
// unchanged one costs a file read. Nothing compiled is committed: the build is reproducible from
// the source, which is what lets Etherscan verify the deployed bytecode against it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The compiler the contract is audited and deployed with; solc-js must be exactly this. */
export const SOLC_VERSION = '0.8.37';
export const CONTRACT_NAME = 'EhrAnchor';
const SOURCE = `contracts/${CONTRACT_NAME}.sol`;

/** evm-anchor/: found upwards from this file (src/ under jest, dist/src/ when built). */
export const PACKAGE_DIR = (() => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, SOURCE))) return dir;
  }
  throw new Error(`${SOURCE} not found above ${__dirname}`);
})();

export interface ContractArtifact {
  contractName: string;
  compilerVersion: string;
  /** SHA-256 of the standard JSON input: identifies the build. */
  inputHash: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
  /** The exact compiler input (sources included): what Etherscan's verification takes. */
  standardJsonInput: StandardJsonInput;
}

interface StandardJsonInput {
  language: 'Solidity';
  sources: Record<string, { content: string }>;
  settings: Record<string, unknown>;
}

const SETTINGS = {
  // Cancun is supported by Ethereum mainnet, Sepolia and Anvil alike.
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 10000 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

/** Resolves `import "pkg/…"` paths of the sources from node_modules (e.g. OpenZeppelin). */
function readImport(path: string): string {
  const local = join(PACKAGE_DIR, path);
  if (existsSync(local)) return readFileSync(local, 'utf8');
  return readFileSync(require.resolve(path, { paths: [PACKAGE_DIR] }), 'utf8');
}

/** The standard JSON input with every imported file inlined, found by following imports. */
export function compilerInput(): StandardJsonInput {
  const sources: Record<string, { content: string }> = {};
  const pending = [SOURCE];
  while (pending.length) {
    const path = pending.pop() as string;
    if (sources[path]) continue;
    const content = readImport(path);
    sources[path] = { content };
    for (const m of content.matchAll(/^\s*import\s+(?:[^'"]*from\s+)?["']([^"']+)["']/gm)) {
      const target = m[1].startsWith('.') ? join(dirname(path), m[1]).replaceAll('\\', '/') : m[1];
      pending.push(target);
    }
  }
  const sorted = Object.fromEntries(Object.entries(sources).sort(([a], [b]) => a.localeCompare(b)));
  return { language: 'Solidity', sources: sorted, settings: SETTINGS };
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      {
        abi: unknown[];
        evm: { bytecode: { object: string }; deployedBytecode: { object: string } };
      }
    >
  >;
}

function compile(input: StandardJsonInput, inputHash: string): ContractArtifact {
  // Loaded only when a compile is needed: solc-js takes seconds to initialise.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { version(): string; compile(input: string): string };
  const version = solc.version();
  if (!version.startsWith(`${SOLC_VERSION}+`)) {
    throw new Error(`solc ${version} installed, ${SOLC_VERSION} required (npm ci restores it)`);
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length)
    throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const warnings = (output.errors ?? []).filter((e) => e.severity === 'warning');
  if (warnings.length)
    throw new Error(`solc warnings:\n${warnings.map((e) => e.formattedMessage).join('\n')}`);
  const built = output.contracts?.[SOURCE]?.[CONTRACT_NAME];
  if (!built) throw new Error(`solc produced no ${CONTRACT_NAME}`);
  return {
    contractName: CONTRACT_NAME,
    compilerVersion: version,
    inputHash,
    abi: built.abi,
    bytecode: `0x${built.evm.bytecode.object}`,
    deployedBytecode: `0x${built.evm.deployedBytecode.object}`,
    standardJsonInput: input,
  };
}

export const ARTIFACT_FILE = join(PACKAGE_DIR, 'dist', 'contracts', `${CONTRACT_NAME}.json`);

/** The compiled contract, from the cache when its input is unchanged, else compiled now. */
export function loadArtifact(file = ARTIFACT_FILE): ContractArtifact {
  const input = compilerInput();
  const inputHash = createHash('sha256')
    .update(JSON.stringify(input))
    .update(SOLC_VERSION)
    .digest('hex');
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as ContractArtifact;
    if (cached.inputHash === inputHash) return cached;
  }
  const artifact = compile(input, inputHash);
  mkdirSync(dirname(file), { recursive: true });
  // Written whole then renamed, so a concurrent reader never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(artifact, null, 2)}\n`);
  renameSync(tmp, resolve(file));
  return artifact;
}

if (require.main === module) {
  const artifact = loadArtifact();
  console.log(
    `${artifact.contractName}: ${(artifact.deployedBytecode.length - 2) / 2} bytes of runtime code, ` +
      `solc ${artifact.compilerVersion} → ${ARTIFACT_FILE}`,
  );
}
