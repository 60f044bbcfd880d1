// A throwaway real Anvil for tests that need a chain but not the whole stack: in memory, on a
// free port chosen by Anvil itself (read back from its "Listening on" line).
import { spawn, type ChildProcess } from 'node:child_process';
import { anvilBinary } from '@ehr/network';

export interface TestAnvil {
  url: string;
  chainId: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startTestAnvil(
  chainId = 31337,
  extraArgs: string[] = [],
): Promise<TestAnvil> {
  const child = spawn(
    anvilBinary(),
    ['--host', '127.0.0.1', '--port', '0', '--chain-id', String(chainId), ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`anvil did not start:\n${out}`)), 20000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Listening on (127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited with ${code}:\n${out}`));
    });
  });
  child.stdout?.resume();
  return {
    url,
    chainId,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
