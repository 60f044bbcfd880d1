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
    // The CLIs end with "Error: <reason>"; without one, the last lines say what happened.
    const lines = (stderr || stdout).trim().split('\n');
    const reason =
      lines.filter((l) => l.startsWith('Error: ')).join('\n') || lines.slice(-5).join('\n');
    super(`${command} failed (exit ${exitCode}): ${reason}`);
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
      // The CLIs log every gRPC connection at INFO: warnings are enough for a command's output.
      {
        env: { ...process.env, FABRIC_LOGGING_SPEC: 'WARNING', ...env },
        timeout: timeoutMs,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof err.code === 'number' ? err.code : null;
          reject(new FabricToolError(name, code, stdout, stderr));
        } else resolve({ stdout, stderr });
      },
    );
  });
}
