// The anchoring service process (run by the supervisor, see definition.ts). On the local chain
// it deploys the contract first if needed (idempotent); on a public chain the contract must have
// been deployed with `npm run anchor -- deploy`. Stops cleanly on SIGTERM/SIGINT.
import { loadNetwork } from '@ehr/network';
import { chainFromEnv, connectChain, signerFor } from '../chain';
import { deploy, openContract } from '../deployment';
import { memberHospital, openBlockSource, readerConfig } from '../fabric/member-identity';
import { statusFile, writeJson } from '../state-files';
import { AnchoringService } from './anchoring-service';
import { anchoringOptions } from './options';

const log = (line: string) => console.log(`${new Date().toISOString()} anchor: ${line}`);

/** Runs the anchoring service until SIGTERM/SIGINT. */
export async function runAnchoringService(): Promise<void> {
  const net = loadNetwork();
  const chain = chainFromEnv(net);
  memberHospital(net, chain.member);
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());

  if (chain.kind === 'local') await deploy(net, chain, { log });
  const { provider, chainId } = await connectChain(chain);
  const { contract } = await openContract(net, provider, chainId);
  const signer = signerFor(chain.anchorerKey, provider, `anchoring for ${chain.member}`);
  const anchorer = await signer.getAddress();
  if ((await contract.memberOf(anchorer)) !== chain.member) {
    throw new Error(
      `${anchorer} is not the authorized anchorer of ${chain.member} in ${contract.address}`,
    );
  }
  const reader = await readerConfig(net, chain.member);
  const source = openBlockSource(reader);
  const options = anchoringOptions(reader.channel, process.env, chain.kind);
  const service = new AnchoringService(
    source,
    contract.connect(signer),
    provider,
    options,
    chain.member,
    (status) => writeJson(statusFile(net, reader.channel), status),
  );
  log(
    `anchoring ${reader.channel} from ${reader.endpoint.address} into ${contract.address} (chain ${chainId}) ` +
      `every ${options.everyBlocks} blocks or ${options.everyMs / 1000} s, as ${chain.member} (${anchorer})`,
  );
  await service.run(stop.signal, log);
  source.close();
  provider.destroy();
}

if (require.main === module) {
  runAnchoringService().catch((e: unknown) => {
    console.error(`anchor: ${(e as Error).stack ?? e}`);
    process.exitCode = 1;
  });
}
