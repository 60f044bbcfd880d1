// `npm run fabric -- up|down|status|add-org`: the system on real Fabric. The supervisor's own
// commands (start, stop, status) are passed in by scripts/src/cli.ts, which owns them.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync, closeSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chaincodeServices } from '@ehr/chaincode/service';
import { dataPaths, loadNetwork, type Network, type ServiceDefinition } from '@ehr/network';
import { addOrganization } from './addorg';
import { FabricBinariesMissing, findFabricBinaries } from './binaries';
import { fabricRuntime } from './services';
import { fabricStatus } from './status';

type Command = (args: string[]) => Promise<number>;

export interface SupervisorCommands {
  start: Command;
  stop: Command;
  status: Command;
  /** Environment variable marking processes as the supervisor's (so `stop` finds them). */
  supervisedEnv: string;
}

const USAGE = `usage: npm run fabric -- <command>
  up [service...]     start the system with the ledger on real Fabric (LEDGER=fabric npm start)
  down [--purge]      stop it; --purge also deletes the Fabric ledgers and channel artefacts
  status              the supervisor's services, then each orderer, peer and the chaincode
  add-org <Name>      enrol a candidate hospital of network.yaml on the running channel
FABRIC_BIN=<dir> names the Fabric ${'3.1.5'} binaries (see README); FABRIC_ORDERERS=3 runs three Raft orderers.`;

/**
 * Starts one service outside the running supervisor (add-org): detached, logging to the logs
 * folder, marked so that `npm run stop` stops it; the next start supervises it with the others.
 */
export async function launchOutsideSupervisor(
  net: Network,
  def: ServiceDefinition,
  supervisedEnv: string,
  say: (line: string) => void = console.log,
): Promise<number | undefined> {
  await def.prepare?.();
  let pid: number | undefined;
  if (!(await def.healthy())) {
    const spec = await def.process();
    if (spec) {
      const logs = dataPaths(net).logs;
      mkdirSync(logs, { recursive: true });
      const fd = openSync(join(logs, `${def.name}.log`), 'a');
      appendFileSync(
        fd,
        `\n=== ${new Date().toISOString()} starting (add-org): ${spec.command} ${spec.args.join(' ')}\n`,
      );
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env, [supervisedEnv]: net.dataDir },
        uid: spec.uid,
        gid: spec.gid,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      child.unref();
      pid = child.pid;
    }
    const deadline = Date.now() + (def.startTimeoutMs ?? 120_000);
    while (!(await def.healthy())) {
      if (Date.now() > deadline)
        throw new Error(
          `${def.name} not healthy; see ${join(dataPaths(net).logs, `${def.name}.log`)}`,
        );
      await sleep(250);
    }
  }
  await def.afterStart?.();
  say(`✔ ${def.name}`);
  return pid;
}

export async function runFabricCli(args: string[], sup: SupervisorCommands): Promise<number> {
  const [command, ...rest] = args;
  process.env.LEDGER = 'fabric';
  const net = loadNetwork();
  try {
    switch (command) {
      case 'up':
        // Fail at once, before anything starts, when there are no binaries and no download.
        if (!findFabricBinaries(net.cacheDir)) await fabricRuntime(net).binaries();
        return await sup.start(rest);
      case 'down': {
        const code = await sup.stop([]);
        if (code !== 0 || !rest.includes('--purge')) return code;
        const dir = dataPaths(net).fabric;
        rmSync(dir, { recursive: true, force: true });
        console.log(
          `purged ${dir} (ledgers, Raft logs, channel and chaincode artefacts; identities kept)`,
        );
        return 0;
      }
      case 'status': {
        await sup.status([]);
        const rt = fabricRuntime(net);
        console.log(
          `\nFabric (${rt.topo.orderers.length} orderer(s), channel ${rt.topo.channel}):`,
        );
        for (const s of await fabricStatus(rt.topo, await rt.binaries())) {
          console.log(
            `  ${s.up ? '✔' : '✘'} ${s.name.padEnd(30)} ${s.endpoint.padEnd(16)} ${s.detail}`,
          );
        }
        return 0;
      }
      case 'add-org': {
        const name = rest.find((a) => !a.startsWith('-'));
        if (!name) {
          console.error(USAGE);
          return 2;
        }
        const rt = fabricRuntime(net, { log: (l) => console.log(`  ${l}`) });
        const start = async (def: ServiceDefinition) => {
          await launchOutsideSupervisor(net, def, sup.supervisedEnv);
        };
        await addOrganization(rt, name, { start, log: (l) => console.log(`  ${l}`) });
        const joined = rt.topo.peers.find((p) => p.org.name === name)!.org;
        for (const def of chaincodeServices(net, rt.chaincodeBinding(), [joined])) await start(def);
        console.log(
          `${name} is a member of ${rt.topo.channel}; its CA, peer and chaincode server run until \`npm run stop\`, and every later start supervises them with the others.`,
        );
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } catch (e) {
    if (e instanceof FabricBinariesMissing) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}
