// Chain configuration from the environment, and the deploy against a real Anvil: recorded in the
// deployment file, idempotent, redeployed when the local chain was reset, anchorers authorized.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork, type Network } from '@ehr/network';
import { JsonRpcProvider, Network as EthNetwork, Wallet } from 'ethers';
import { chainFromEnv, devKey } from '../src/chain';
import { AnchorContract } from '../src/contract/anchor-contract';
import { deploy, deploymentFile, openContract, readDeployment } from '../src/deployment';
import { startTestAnvil, type TestAnvil } from './support/anvil';

const KEY = `0x${'11'.repeat(32)}`;

describe('chain configuration', () => {
  const net = loadNetwork({ dataDir: '/nonexistent' });

  test('defaults to the local Anvil with the development keys, one anchorer per hospital', () => {
    const c = chainFromEnv(net, {});
    expect(c).toMatchObject({
      kind: 'local',
      chainId: net.ethereum.anvil.chainId,
      member: 'Hospital1MSP',
    });
    expect(c.rpcUrl).toBe(`http://127.0.0.1:${net.ethereum.anvil.port}`);
    expect(Object.keys(c.anchorers)).toEqual(net.hospitals.map((h) => h.mspId));
    expect(c.anchorers.Hospital2MSP).toBe(new Wallet(devKey(2)).address);
    expect(c.explorer.tx('0xab')).toBe(
      `http://127.0.0.1:${net.hospitals[0].gateway.port}/portal/auditor/ethereum/tx/0xab`,
    );
  });

  test('uses Sepolia (any RPC) only with the RPC URL, key and Etherscan base URL together', () => {
    const env = {
      ANCHOR_RPC_URL: 'https://rpc.example/v3/x',
      ANCHOR_PRIVATE_KEY: KEY,
      ETHERSCAN_BASE_URL: 'https://sepolia.etherscan.io/',
    };
    const c = chainFromEnv(net, env);
    expect(c).toMatchObject({
      kind: 'remote',
      rpcUrl: env.ANCHOR_RPC_URL,
      ownerKey: KEY,
      anchorerKey: KEY,
    });
    expect(c.chainId).toBeUndefined();
    expect(c.anchorers).toEqual({ Hospital1MSP: new Wallet(KEY).address });
    expect(c.explorer.tx('0xab')).toBe('https://sepolia.etherscan.io/tx/0xab');

    expect(() => chainFromEnv(net, { ANCHOR_PRIVATE_KEY: KEY })).toThrow(/without ANCHOR_RPC_URL/);
    expect(() =>
      chainFromEnv(net, {
        ANCHOR_RPC_URL: env.ANCHOR_RPC_URL,
        ETHERSCAN_BASE_URL: env.ETHERSCAN_BASE_URL,
      }),
    ).toThrow(/ANCHOR_PRIVATE_KEY must be set/);
    // An auditor needs no key.
    expect(
      chainFromEnv(
        net,
        { ANCHOR_RPC_URL: env.ANCHOR_RPC_URL, ETHERSCAN_BASE_URL: env.ETHERSCAN_BASE_URL },
        { readOnly: true },
      ).kind,
    ).toBe('remote');
    expect(() => chainFromEnv(net, { ...env, ETHERSCAN_BASE_URL: 'http://etherscan.io' })).toThrow(
      /https/,
    );
    expect(() => chainFromEnv(net, { ...env, ANCHOR_ANCHORERS: 'Hospital1MSP=0x12' })).toThrow(
      /MSP=0xaddress/,
    );
    expect(() => chainFromEnv(net, { ANCHOR_MEMBER: 'NopeMSP' })).toThrow(/not a hospital/);
  });
});

describe('deploy', () => {
  let anvil: TestAnvil;
  let net: Network;
  let dataDir: string;

  beforeAll(async () => {
    anvil = await startTestAnvil();
    dataDir = mkdtempSync(join(tmpdir(), 'ehr-deploy-'));
    net = loadNetwork({ dataDir });
    net.ethereum.anvil.port = Number(new URL(anvil.url).port);
  });

  afterAll(async () => {
    await anvil?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('deploys once, records the deployment and authorizes every hospital; a second run reuses it', async () => {
    const chain = chainFromEnv(net, {});
    const first = await deploy(net, chain);
    expect(first.deployed).toBe(true);
    expect(first.authorized).toEqual(['Hospital1MSP', 'Hospital2MSP']);
    expect(first.file).toBe(deploymentFile(net, 31337));
    expect(readDeployment(net, 31337)).toMatchObject({
      address: first.deployment.address,
      owner: new Wallet(devKey(0)).address,
      anchorers: chain.anchorers,
      compiler: expect.stringMatching(/^0\.8\.37\+/),
      constructorArguments: `0x${'0'.repeat(24)}${new Wallet(devKey(0)).address.slice(2).toLowerCase()}`,
    });
    // The exact compiler input is kept for Etherscan's source verification.
    const input = JSON.parse(readFileSync(readDeployment(net, 31337)!.sourceFile, 'utf8'));
    expect(Object.keys(input.sources)).toContain('contracts/EhrAnchor.sol');
    expect(input.sources['@openzeppelin/contracts/access/Ownable2Step.sol']).toBeDefined();

    const again = await deploy(net, chain);
    expect(again).toMatchObject({ deployed: false, authorized: [] });
    expect(again.deployment.address).toBe(first.deployment.address);

    const provider = new JsonRpcProvider(anvil.url, undefined, {
      staticNetwork: EthNetwork.from(31337),
      cacheTimeout: -1,
    });
    const { contract } = await openContract(net, provider, 31337, {});
    expect(await contract.anchorerOf('Hospital2MSP')).toBe(chain.anchorers.Hospital2MSP);
    await expect(
      openContract(net, provider, 31337, { ANCHOR_CONTRACT: new Wallet(devKey(5)).address }),
    ).rejects.toThrow(/does not hold the EhrAnchor contract/);
    provider.destroy();
  });

  test('a reset local chain (no code at the recorded address) gets a new deployment', async () => {
    const chain = chainFromEnv(net, {});
    const before = readDeployment(net, 31337)!;
    const provider = new JsonRpcProvider(anvil.url, undefined, {
      staticNetwork: EthNetwork.from(31337),
      cacheTimeout: -1,
    });
    await provider.send('anvil_setCode', [before.address, '0x']);
    expect(await new AnchorContract(before.address, provider).isDeployed()).toBe(false);
    provider.destroy();
    const result = await deploy(net, chain);
    expect(result.deployed).toBe(true);
    expect(result.deployment.address).not.toBe(before.address);
  });

  test('refuses a node whose chain id is not the local one before signing anything', async () => {
    const other = await startTestAnvil(11155111);
    const n2 = {
      ...net,
      ethereum: { anvil: { port: Number(new URL(other.url).port), chainId: 31337 } },
    };
    await expect(deploy(n2, chainFromEnv(n2, {}))).rejects.toThrow(
      /is chain 11155111, expected 31337/,
    );
    await other.stop();
  });
});
