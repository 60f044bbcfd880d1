// `npm test [project...]`: runs jest over every project (unit and integration) with the summary
// as the last lines of the output. Extra arguments select jest projects (e.g. `ledger`).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@ehr/network';

export async function runTests(args: string[]): Promise<number> {
  const projects = args.filter((a) => !a.startsWith('-'));
  const flags = args.filter((a) => a.startsWith('-'));
  const jest = join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  const jestArgs = [jest, ...(projects.length ? ['--selectProjects', ...projects] : []), ...flags];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, jestArgs, { cwd: REPO_ROOT, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
