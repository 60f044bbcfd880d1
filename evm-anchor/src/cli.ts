// `npm run anchor -- <command>`: the anchor's command line (see README, "Ethereum anchor").
//   deploy [--force]          deploy the contract (local Anvil, or Sepolia with ANCHOR_RPC_URL…)
//   authorize <MSP> <address> make <address> the anchorer of member <MSP> (owner key)
//   revoke <MSP>              remove member <MSP>'s anchorer (owner key)
//   once                      anchor the newest block now (as the anchoring member)
//   run                       the anchoring service in the foreground
//   status                    anchors with links, coverage, service state
//   verify [--json]           the auditor's check; exit code 0 only when everything matches
import { loadNetwork, type Network } from '@ehr/network';
import { AnchorAuditor } from './auditor-view';
import { chainFromEnv, connectChain, signerFor } from './chain';
import { deploy, openContract } from './deployment';
import { memberHospital, openBlockSource, readerConfig } from './fabric/member-identity';
import { AnchoringService } from './service/anchoring-service';
import { runAnchoringService } from './service/main';
import { anchoringOptions } from './service/options';
import type { ServiceStatus } from './service/anchoring-service';
import { readJson, statusFile } from './state-files';
import { fileVerificationStore } from './verify/verification-store';
import { formatReport, verifyLedger } from './verify/verify-ledger';

const out = (line = '') => process.stdout.write(`${line}\n`);

async function cmdDeploy(net: Network, args: string[]): Promise<number> {
  const chain = chainFromEnv(net);
  const { deployment, file, deployed } = await deploy(net, chain, {
    force: args.includes('--force'),
    log: out,
  });
  out(
    `${deployed ? 'deployed' : 'reused'} ${deployment.address} on chain ${deployment.chainId}: ${chain.explorer.address(deployment.address)}`,
  );
  out(`deployment recorded in ${file}`);
  return 0;
}

async function ownerContract(net: Network) {
  const chain = chainFromEnv(net);
  const { provider, chainId } = await connectChain(chain);
  const { contract } = await openContract(net, provider, chainId);
  return {
    contract: contract.connect(signerFor(chain.ownerKey, provider, 'managing anchorers')),
    provider,
  };
}

async function cmdAuthorize(net: Network, [member, address]: string[]): Promise<number> {
  if (!member || !/^0x[0-9a-fA-F]{40}$/.test(address ?? '')) {
    console.error('usage: anchor authorize <MSP id> <0x address>');
    return 2;
  }
  const { contract, provider } = await ownerContract(net);
  try {
    const receipt = await contract.setAnchorer(member, address);
    out(`${address} now anchors for ${member} (tx ${receipt.hash})`);
    return 0;
  } finally {
    provider.destroy();
  }
}

async function cmdRevoke(net: Network, [member]: string[]): Promise<number> {
  if (!member) {
    console.error('usage: anchor revoke <MSP id>');
    return 2;
  }
  const { contract, provider } = await ownerContract(net);
  try {
    const receipt = await contract.removeAnchorer(member);
    out(`${member} has no anchorer any more (tx ${receipt.hash})`);
    return 0;
  } finally {
    provider.destroy();
  }
}

async function cmdOnce(net: Network): Promise<number> {
  const chain = chainFromEnv(net);
  memberHospital(net, chain.member);
  const { provider, chainId } = await connectChain(chain);
  const { contract } = await openContract(net, provider, chainId);
  const reader = await readerConfig(net, chain.member);
  const source = openBlockSource(reader);
  try {
    const signer = signerFor(chain.anchorerKey, provider, `anchoring for ${chain.member}`);
    const options = { ...anchoringOptions(reader.channel), everyBlocks: 1, everyMs: 0 };
    const outcome = await new AnchoringService(
      source,
      contract.connect(signer),
      provider,
      options,
      chain.member,
    ).tick();
    if (outcome.action === 'anchored') {
      out(
        `anchored block ${outcome.blockNumber} ${outcome.headerHash}: ${chain.explorer.tx(outcome.txHash)}`,
      );
    } else {
      out(`nothing to anchor: ${outcome.reason}`);
    }
    return 0;
  } finally {
    source.close();
    provider.destroy();
  }
}

async function cmdStatus(net: Network): Promise<number> {
  const auditor = new AnchorAuditor(net);
  try {
    const view = await auditor.view();
    out(`contract       ${view.contract.address}  ${view.contract.explorerUrl}`);
    out(
      `channel        ${view.channel}: ${view.anchors.length} anchors, ledger height ${view.coverage.ledgerHeight ?? 'unknown'}, ` +
        `${view.coverage.blocksNotAnchored ?? 'unknown'} blocks not yet anchored`,
    );
    for (const a of view.anchors)
      out(`  block ${a.blockNumber}  ${a.headerHash}  by ${a.member}  ${a.explorerUrl}`);
    const service = readJson<ServiceStatus>(statusFile(net, view.channel));
    if (service) {
      out(
        `service        checked to block ${BigInt(service.checkedHeight) - 1n}, last success ${service.lastSuccessAt ?? 'never'}` +
          (service.failures ? `, ${service.failures} failures: ${service.lastError?.message}` : ''),
      );
    }
    const last = view.lastVerification;
    if (last) {
      out(
        `last verify    ${last.ok ? 'OK' : 'FAIL'} at ${last.checkedAt}` +
          (last.firstMismatch ? `: ${last.firstMismatch.reason}` : ''),
      );
    }
    return 0;
  } finally {
    await auditor.close();
  }
}

async function cmdVerify(net: Network, args: string[]): Promise<number> {
  const chain = chainFromEnv(net, process.env, { readOnly: true });
  const { provider, chainId } = await connectChain(chain);
  const reader = await readerConfig(net, chain.member);
  const source = openBlockSource(reader);
  try {
    const { contract } = await openContract(net, provider, chainId);
    const anchors = await contract.anchors(reader.channel);
    const report = await verifyLedger({
      channel: reader.channel,
      source,
      anchors,
      explorer: chain.explorer,
      contractAddress: contract.address,
      onBlock: (n, height) => {
        if (n % 1000n === 999n) process.stderr.write(`checked ${n + 1n} of ${height} blocks\n`);
      },
    });
    await fileVerificationStore(net).record(report);
    if (args.includes('--json')) {
      out(
        JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2),
      );
    } else {
      out(`peer               ${reader.endpoint.address} (read as ${reader.identity.mspId})`);
      out(
        `ethereum           chain ${chainId} (${chain.kind === 'local' ? 'the local Anvil' : 'ANCHOR_RPC_URL'})`,
      );
      formatReport(report).forEach((l) => out(l));
    }
    return report.ok ? 0 : 1;
  } finally {
    source.close();
    provider.destroy();
  }
}

export async function runAnchorCli(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const net = loadNetwork();
  switch (command) {
    case 'deploy':
      return cmdDeploy(net, rest);
    case 'authorize':
      return cmdAuthorize(net, rest);
    case 'revoke':
      return cmdRevoke(net, rest);
    case 'once':
      return cmdOnce(net);
    case 'run':
      await runAnchoringService();
      return process.exitCode === undefined ? 0 : Number(process.exitCode);
    case 'status':
      return cmdStatus(net);
    case 'verify':
      return cmdVerify(net, rest);
    default:
      console.error(
        'usage: anchor deploy [--force] | authorize <MSP> <address> | revoke <MSP> | once | run | status | verify [--json]',
      );
      return 2;
  }
}

if (require.main === module) {
  runAnchorCli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error((e as Error).message);
      process.exitCode = 1;
    },
  );
}
