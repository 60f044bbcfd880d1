// The portal's production build (web/build.mjs: typed client from gateway/openapi.yaml, Angular's
// application builder, the initial-bundle size check), run when its output is missing or older
// than its inputs. The gateways serve web/dist/browser; `npm start` and the browser tests call
// ensureWebBuild() first, and `npm run web` (cli `web`) forces a build.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '@ehr/network';

const WEB = join(REPO_ROOT, 'web');
/** What the gateways serve under /portal/. */
export const WEB_DIST_DIR = join(WEB, 'dist', 'browser');
const STAMP = join(WEB, 'dist', '.inputs-sha256');

/** Generated files are outputs of the build, not inputs. */
const GENERATED = [
  join(WEB, 'src', 'app', 'api', 'generated'),
  join(WEB, 'src', 'app', 'api', 'field-rules.generated.ts'),
];

function* files(path: string): Generator<string> {
  if (GENERATED.includes(path) || !existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) yield* files(join(path, name));
  } else {
    yield path;
  }
}

/** Hash of everything the bundle is built from (sources, configs, the API document, the error catalogue, Angular's version). */
export function webInputsHash(): string {
  const h = createHash('sha256');
  const inputs = [
    join(WEB, 'src'),
    join(WEB, 'public'),
    join(WEB, 'angular.json'),
    join(WEB, 'tsconfig.json'),
    join(WEB, 'package.json'),
    join(WEB, 'ng-openapi-gen.json'),
    join(WEB, 'build.mjs'),
    join(REPO_ROOT, 'gateway', 'openapi.yaml'),
    join(REPO_ROOT, 'common', 'src'),
  ];
  for (const input of inputs) {
    for (const f of files(input))
      h.update(relative(REPO_ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  const angular = join(REPO_ROOT, 'node_modules', '@angular', 'core', 'package.json');
  if (existsSync(angular))
    h.update((JSON.parse(readFileSync(angular, 'utf8')) as { version: string }).version);
  return h.digest('hex');
}

export function webBuildIsCurrent(): boolean {
  return (
    existsSync(join(WEB_DIST_DIR, 'index.html')) &&
    existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8') === webInputsHash()
  );
}

/** Runs web/build.mjs (output to this process's stdout/stderr); resolves to its exit code. */
export function buildWeb(): Promise<number> {
  const hash = webInputsHash();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(WEB, 'build.mjs')], {
      cwd: WEB,
      stdio: 'inherit',
      env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
    });
    child.on('error', () => resolve(1));
    child.on('exit', (code) => {
      if (code === 0) writeFileSync(STAMP, hash);
      resolve(code ?? 1);
    });
  });
}

/** Builds the portal when its bundle is missing or stale; throws when the build fails. */
export async function ensureWebBuild(): Promise<void> {
  if (webBuildIsCurrent()) return;
  const code = await buildWeb();
  if (code !== 0) throw new Error(`the portal's build failed (web/build.mjs exited ${code})`);
}

/** `npm run web`: always rebuilds. */
export async function webCommand(): Promise<number> {
  return buildWeb();
}
