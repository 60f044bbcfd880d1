// Runs one Fabric command-line tool and returns its output; a failure carries the tool's own
// message (Fabric's CLIs print the reason on stderr), so callers and logs see why.
import { execFile } from 'node:child_process';

export class FabricToolError extends Error {
  override name = 'FabricToolError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${exitCode}): ${(stderr || stdout).trim().split('\n').slice(-5).join('\n')}`);
  }
}

export interface ToolRun {
  stdout: string;
  stderr: string;
}

export function runTool(
  bin: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<ToolRun> {
  const name = `${bin.split('/').pop()} ${args.slice(0, 3).join(' ')}`;
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      // INFO keeps the CLIs quiet enough to read; the caller's environment carries PATH and HOME.
      { env: { ...process.env, FABRIC_LOGGING_SPEC: 'INFO', ...env }, timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof err.code === 'number' ? err.code : null;
          reject(new FabricToolError(name, code, stdout, stderr));
        } else resolve({ stdout, stderr });
      },
    );
  });
}
