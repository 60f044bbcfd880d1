// The browser for the end-to-end tests: Debian's `chromium` package, installed with apt-get
// when it is missing (the tests run as root on our machines and CI). Called by the test runner
// only when the e2e suite runs. CHROMIUM_PATH points at another Chromium build.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function findChromium(): string | undefined {
  const own = process.env.CHROMIUM_PATH;
  if (own) return existsSync(own) ? own : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

function aptGet(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('apt-get', args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** The Chromium executable, installing Debian's package first when none is there. */
export async function ensureChromium(): Promise<string> {
  const found = findChromium();
  if (found) return found;
  if (process.env.CHROMIUM_PATH)
    throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`);
  if (process.getuid?.() !== 0)
    throw new Error(
      'Chromium is missing: install it (`sudo apt-get install -y chromium`) or set CHROMIUM_PATH',
    );
  console.error('… installing Chromium for the browser tests (apt-get install -y chromium)');
  // A fresh machine may have no package lists yet: update once, then install.
  if ((await aptGet(['install', '-y', '--no-install-recommends', 'chromium'])) !== 0) {
    await aptGet(['update']);
    const code = await aptGet(['install', '-y', '--no-install-recommends', 'chromium']);
    if (code !== 0) throw new Error(`apt-get install chromium failed (exit ${code})`);
  }
  const installed = findChromium();
  if (!installed)
    throw new Error('apt-get installed chromium but no executable was found in /usr/bin');
  return installed;
}
