// The local Ethereum chain: Anvil from the `@foundry-rs/anvil` npm package (its platform package
// ships the binary), on 127.0.0.1 at the port and chain id of network.yaml `ethereum.anvil`.
// The chain is kept in dataPaths(net).anvil/state.json: loaded at start, written every second
// and on exit, so a restart (or a crash, minus at most the last second) keeps the deployed
// anchor contract and every anchor event.
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Network } from '../config';
import { dataPaths } from '../layout';
import type { ServiceDefinition } from './service';

/**
 * Anvil's well-known development mnemonic. Its keys are public: they may only ever sign on this
 * local chain (the anchor's deploy refuses them for any other chain id).
 */
export const ANVIL_DEV_MNEMONIC = 'test test test test test test test test test test test junk';

const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': 'linux-amd64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-amd64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-amd64',
};

/** Path of the anvil binary in the platform package @foundry-rs/anvil installed. */
export function anvilBinary(): string {
  const suffix = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (!suffix) throw new Error(`Anvil has no npm package for ${process.platform}-${process.arch}`);
  const name = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  const pkg = require.resolve(`@foundry-rs/anvil-${suffix}/package.json`);
  return join(dirname(pkg), 'bin', name);
}

export function anvilRpcUrl(net: Network): string {
  return `http://127.0.0.1:${net.ethereum.anvil.port}`;
}

export function anvilStateFile(net: Network): string {
  return join(dataPaths(net).anvil, 'state.json');
}

/** The chain id the node at `url` reports, or undefined when it does not answer. */
export async function rpcChainId(url: string, timeoutMs = 2000): Promise<number | undefined> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { result?: string };
    return typeof body.result === 'string' ? Number(BigInt(body.result)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A state file cut short by a crash while Anvil wrote it would stop Anvil from starting at all;
 * it is set aside (kept for inspection) and the chain starts empty, which the anchor's deploy
 * notices (no contract code at the recorded address).
 */
function setAsideUnreadableState(file: string): void {
  if (!existsSync(file)) return;
  try {
    JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    const aside = `${file}.unreadable-${new Date().toISOString().replaceAll(':', '')}`;
    renameSync(file, aside);
    console.error(
      `anvil: ${file} is not readable JSON; moved to ${aside}, starting an empty chain`,
    );
  }
}

export function anvilService(net: Network): ServiceDefinition {
  const { port, chainId } = net.ethereum.anvil;
  const stateFile = anvilStateFile(net);
  return {
    name: 'anvil',
    dependsOn: [],
    async prepare() {
      mkdirSync(dataPaths(net).anvil, { recursive: true });
    },
    process() {
      setAsideUnreadableState(stateFile);
      return {
        command: anvilBinary(),
        args: [
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--chain-id',
          String(chainId),
          '--mnemonic',
          ANVIL_DEV_MNEMONIC,
          '--state',
          stateFile,
          '--state-interval',
          '1',
        ],
      };
    },
    async healthy() {
      return (await rpcChainId(anvilRpcUrl(net))) === chainId;
    },
  };
}
