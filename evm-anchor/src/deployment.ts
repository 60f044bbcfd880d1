// Deploying the anchor contract and the record of where it lives. A deployment file per chain id
// (<data dir>/anchor/deployment-<chainId>.json) holds the address, the deploy transaction and
// block, the owner and the authorized anchorers, and the compiler build, so the anchoring
// service, verify and an auditor find the contract, and a redeploy to the local chain never
// overwrites a Sepolia record.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Network } from '@ehr/network';
import { AbiCoder, getAddress, type JsonRpcProvider } from 'ethers';
import { connectChain, signerFor, type ChainConfig } from './chain';
import { AnchorContract } from './contract/anchor-contract';
import { loadArtifact } from './contract/compile';
import { anchorDataDir } from './state-files';

export interface Deployment {
  chainId: number;
  kind: ChainConfig['kind'];
  address: string;
  deployTx: string;
  deployBlock: number;
  owner: string;
  /** Anchorer address per member MSP id. */
  anchorers: Record<string, string>;
  compiler: string;
  /** Identifies the exact compiler input the bytecode was built from (see compile.ts). */
  buildHash: string;
  /** ABI-encoded constructor arguments, as Etherscan's source verification asks for them. */
  constructorArguments: string;
  /** The solc standard JSON input the bytecode was built from (Etherscan "Standard JSON Input"). */
  sourceFile: string;
  explorerBaseUrl: string;
  deployedAt: string;
}

export function deploymentFile(net: Network, chainId: number): string {
  return join(anchorDataDir(net), `deployment-${chainId}.json`);
}

export function readDeployment(net: Network, chainId: number): Deployment | undefined {
  const file = deploymentFile(net, chainId);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Deployment;
}

function writeDeployment(net: Network, deployment: Deployment): string {
  const file = deploymentFile(net, deployment.chainId);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(deployment, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}

/** Writes the compiler input beside the deployment record, for verifying the source on Etherscan. */
function writeSource(net: Network, chainId: number): string {
  const file = join(anchorDataDir(net), `EhrAnchor-${chainId}.standard-input.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(loadArtifact().standardJsonInput, null, 2)}\n`);
  return file;
}

export interface DeployResult {
  deployment: Deployment;
  file: string;
  /** false when an existing deployment with live code was reused. */
  deployed: boolean;
  /** Members whose anchorer was (re)authorized by this run. */
  authorized: string[];
}

/**
 * Deploys the contract unless this chain already has a recorded deployment whose code is live
 * (then it is reused: deploy is idempotent, so the supervisor may call it at every start), and
 * authorizes each member's configured anchorer.
 */
export async function deploy(
  net: Network,
  config: ChainConfig,
  opts: { force?: boolean; log?: (line: string) => void } = {},
): Promise<DeployResult> {
  const log = opts.log ?? (() => undefined);
  const { provider, chainId } = await connectChain(config);
  try {
    const owner = signerFor(config.ownerKey, provider, 'deploying the anchor contract');
    const ownerAddress = await owner.getAddress();
    const previous = readDeployment(net, chainId);
    let contract: AnchorContract | undefined;
    let deployment: Deployment | undefined;
    if (previous && !opts.force) {
      const existing = new AnchorContract(previous.address, owner);
      if (await existing.isDeployed()) {
        contract = existing;
        // Records written before these fields existed get them now.
        deployment = {
          ...previous,
          constructorArguments:
            previous.constructorArguments ??
            AbiCoder.defaultAbiCoder().encode(['address'], [previous.owner]),
          sourceFile: previous.sourceFile ?? writeSource(net, chainId),
        };
        log(`contract already deployed at ${previous.address} (chain ${chainId})`);
      } else {
        log(`no contract code at the recorded ${previous.address} (chain reset?): deploying again`);
      }
    }
    let deployed = false;
    if (!contract || !deployment) {
      const result = await AnchorContract.deploy(owner);
      contract = result.contract;
      deployed = true;
      const artifact = loadArtifact();
      deployment = {
        chainId,
        kind: config.kind,
        address: contract.address,
        deployTx: result.receipt.hash,
        deployBlock: result.receipt.blockNumber,
        owner: ownerAddress,
        anchorers: {},
        compiler: artifact.compilerVersion,
        constructorArguments: AbiCoder.defaultAbiCoder().encode(['address'], [ownerAddress]),
        sourceFile: writeSource(net, chainId),
        buildHash: artifact.inputHash,
        explorerBaseUrl: config.explorer.baseUrl,
        deployedAt: new Date().toISOString(),
      };
      log(`deployed EhrAnchor at ${contract.address} in transaction ${result.receipt.hash}`);
    }
    const authorized: string[] = [];
    for (const [member, address] of Object.entries(config.anchorers)) {
      const wanted = getAddress(address);
      if ((await contract.anchorerOf(member)) !== wanted) {
        await contract.setAnchorer(member, wanted);
        authorized.push(member);
        log(`authorized ${wanted} to anchor for ${member}`);
      }
      deployment.anchorers[member] = wanted;
    }
    const file = writeDeployment(net, deployment);
    return { deployment, file, deployed, authorized };
  } finally {
    provider.destroy();
  }
}

/**
 * The deployed contract for the chain `provider` is on: ANCHOR_CONTRACT when set (an auditor
 * given only the address), else the deployment file. Throws when neither names live code.
 */
export async function openContract(
  net: Network,
  provider: JsonRpcProvider,
  chainId: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ contract: AnchorContract; deployBlock?: number }> {
  const recorded = readDeployment(net, chainId);
  const address = env.ANCHOR_CONTRACT ?? recorded?.address;
  if (!address) {
    throw new Error(
      `no anchor contract for chain ${chainId}: run the deploy, or set ANCHOR_CONTRACT`,
    );
  }
  const contract = new AnchorContract(getAddress(address), provider);
  if (!(await contract.isDeployed())) {
    throw new Error(
      `${address} on chain ${chainId} does not hold the EhrAnchor contract built from this source`,
    );
  }
  return {
    contract,
    deployBlock: recorded?.address === contract.address ? recorded.deployBlock : undefined,
  };
}
