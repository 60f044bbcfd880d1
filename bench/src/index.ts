// `npm run bench -- <name>`: the benchmarks. Each prints its figures beside a baseline measured
// in the same run.
import { benchLedger } from './ledger/run';
import { benchUpload } from './upload/run';

const BENCHES: Record<string, () => Promise<number>> = { ledger: benchLedger, upload: benchUpload };

export async function runBench(args: string[]): Promise<number> {
  const [name] = args;
  const bench = name ? BENCHES[name] : undefined;
  if (!bench) {
    console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}>`);
    return 2;
  }
  return bench();
}
