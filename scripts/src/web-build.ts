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

/** Generated files (relative to web/) are outputs of the build, not inputs. */
const GENERATED = ['src/app/api/generated', 'src/app/api/field-rules.generated.ts'];

function* files(path: string, generated: string[]): Generator<string> {
  if (generated.includes(path) || !existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) yield* files(join(path, name), generated);
  } else {
    yield path;
  }
}

/** Hash of everything the bundle is built from (sources, configs, the API document, the error catalogue, Angular's version). */
export function webInputsHash(root = REPO_ROOT): string {
  const h = createHash('sha256');
  const web = join(root, 'web');
  const generated = GENERATED.map((g) => join(web, g));
  const inputs = [
    join(web, 'src'),
    join(web, 'public'),
    join(web, 'angular.json'),
    join(web, 'tsconfig.json'),
    join(web, 'package.json'),
    join(web, 'ng-openapi-gen.json'),
    join(web, 'build.mjs'),
    join(root, 'gateway', 'openapi.yaml'),
    join(root, 'common', 'src'),
  ];
  for (const input of inputs) {
    for (const f of files(input, generated))
      h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  const angular = join(root, 'node_modules', '@angular', 'core', 'package.json');
  if (existsSync(angular))
    h.update((JSON.parse(readFileSync(angular, 'utf8')) as { version: string }).version);
  return h.digest('hex');
}

export function webBuildIsCurrent(root = REPO_ROOT): boolean {
  const dist = join(root, 'web', 'dist');
  const stamp = join(dist, '.inputs-sha256');
  return (
    existsSync(join(dist, 'browser', 'index.html')) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === webInputsHash(root)
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
