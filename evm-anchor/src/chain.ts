// Which Ethereum chain the anchor uses, and with which keys. By default the local Anvil of
// network.yaml; a public chain (Sepolia) when ANCHOR_RPC_URL, ANCHOR_PRIVATE_KEY and
// ETHERSCAN_BASE_URL are set. Secrets only ever come from the environment.
import {
  ANVIL_DEV_MNEMONIC,
  anvilRpcUrl,
  rpcChainId,
  type Hospital,
  type Network,
} from '@ehr/network';
import { HDNodeWallet, JsonRpcProvider, Network as EthNetwork, Wallet, type Signer } from 'ethers';
import { explorerFor, type Explorer } from './explorer';

export interface ChainConfig {
  kind: 'local' | 'remote';
  rpcUrl: string;
  /** The chain id the node must report (local: network.yaml; remote: learned on connect). */
  chainId?: number;
  explorer: Explorer;
  /** Key that deploys and owns the contract (undefined: read-only, e.g. an auditor). */
  ownerKey?: string;
  /** The anchoring service's key for its member (undefined: read-only). */
  anchorerKey?: string;
  /** The MSP id the anchoring service anchors for. */
  member: string;
  /** Anchorer address per member MSP id, authorized at deploy. */
  anchorers: Record<string, string>;
}

/**
 * Development keys from Anvil's public mnemonic: index 0 owns the contract, index 1 + i is the
 * anchorer of the i-th hospital. They are known to everyone, so they are used ONLY against the
 * local Anvil (the chain id is checked before any use).
 */
export function devKey(index: number): string {
  return HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`)
    .privateKey;
}

function parseAnchorers(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [msp, address] = pair.split('=').map((s) => s.trim());
    if (!msp || !address || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
      throw new Error(`ANCHOR_ANCHORERS: expected MSP=0xaddress pairs, got "${pair}"`);
    }
    out[msp] = address;
  }
  return out;
}

export interface ChainOptions {
  /** A read-only use (verify, the auditor view): no key is required. */
  readOnly?: boolean;
}

export function chainFromEnv(
  net: Network,
  env: NodeJS.ProcessEnv = process.env,
  opts: ChainOptions = {},
): ChainConfig {
  const member = env.ANCHOR_MEMBER ?? net.hospitals[0].mspId;
  if (!net.hospitals.some((h) => h.mspId === member)) {
    throw new Error(`ANCHOR_MEMBER ${member} is not a hospital of network.yaml`);
  }
  if (!env.ANCHOR_RPC_URL) {
    const stray = ['ANCHOR_PRIVATE_KEY', 'ETHERSCAN_BASE_URL', 'ANCHOR_ANCHORER_KEY'].filter(
      (v) => env[v],
    );
    // Half a public-chain configuration must not silently fall back to the local chain.
    if (stray.length) throw new Error(`${stray.join(', ')} set without ANCHOR_RPC_URL`);
    return {
      kind: 'local',
      rpcUrl: anvilRpcUrl(net),
      chainId: net.ethereum.anvil.chainId,
      explorer: explorerFor({
        kind: 'local',
        baseUrl: env.ANCHOR_LOCAL_EXPLORER_URL ?? localExplorerUrl(net),
      }),
      ownerKey: devKey(0),
      anchorerKey: devKey(1 + net.hospitals.findIndex((h) => h.mspId === member)),
      member,
      anchorers: Object.fromEntries(
        net.hospitals.map((h, i) => [h.mspId, new Wallet(devKey(1 + i)).address]),
      ),
    };
  }
  const required = ['ETHERSCAN_BASE_URL', ...(opts.readOnly ? [] : ['ANCHOR_PRIVATE_KEY'])];
  const missing = required.filter((v) => !env[v]);
  if (missing.length)
    throw new Error(`ANCHOR_RPC_URL is set: ${missing.join(' and ')} must be set too`);
  const ownerKey = env.ANCHOR_PRIVATE_KEY;
  const anchorerKey = env.ANCHOR_ANCHORER_KEY ?? ownerKey;
  const anchorers = env.ANCHOR_ANCHORERS
    ? parseAnchorers(env.ANCHOR_ANCHORERS)
    : anchorerKey
      ? { [member]: new Wallet(anchorerKey).address }
      : {};
  return {
    kind: 'remote',
    rpcUrl: env.ANCHOR_RPC_URL as string,
    explorer: explorerFor({ kind: 'etherscan', baseUrl: env.ETHERSCAN_BASE_URL as string }),
    ownerKey,
    anchorerKey,
    member,
    anchorers,
  };
}

/**
 * Where the local chain's "explorer" pages are: the auditor pages of a hospital's portal (the
 * first hospital's by default), which read the facts from its gateway's /audit/ethereum routes.
 */
export function localExplorerUrl(net: Network, hospital: Hospital = net.hospitals[0]): string {
  return `http://127.0.0.1:${hospital.gateway.port}/portal/auditor/ethereum`;
}

export class ChainUnavailableError extends Error {
  override name = 'ChainUnavailableError';
}

/**
 * A provider bound to the chain: the node must answer eth_chainId (and, for the local chain, with
 * network.yaml's id) before anything is signed, so dev keys never reach another chain.
 */
export async function connectChain(
  config: ChainConfig,
): Promise<{ provider: JsonRpcProvider; chainId: number }> {
  const chainId = await rpcChainId(config.rpcUrl, 5000);
  if (chainId === undefined)
    throw new ChainUnavailableError(`no Ethereum node answers at ${config.rpcUrl}`);
  if (config.chainId !== undefined && chainId !== config.chainId) {
    throw new Error(`${config.rpcUrl} is chain ${chainId}, expected ${config.chainId}`);
  }
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, {
    staticNetwork: EthNetwork.from(chainId),
    // Anvil mines at once: poll often; a public chain mines every ~12 s.
    pollingInterval: config.kind === 'local' ? 100 : 4000,
    // No cached answers: a nonce read 100 ms ago may already be used.
    cacheTimeout: -1,
  });
  return { provider, chainId };
}

export function signerFor(
  key: string | undefined,
  provider: JsonRpcProvider,
  what: string,
): Signer {
  if (!key) throw new Error(`no key for ${what}: set ANCHOR_PRIVATE_KEY (or ANCHOR_ANCHORER_KEY)`);
  return new Wallet(key, provider);
}
