// The project's command line, run by scripts/bootstrap.mjs on Node 24 once everything is built.
import { logsCommand, startCommand, statusCommand, stopCommand } from './supervisor/commands';
import { SUPERVISED_ENV } from './supervisor/state';
import { devnetCommand } from './devnet';
import { orgCommand } from './org';
import { runTests } from './test-runner';
import { webCommand } from './web-build';

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  test: runTests,
  start: startCommand,
  stop: stopCommand,
  status: statusCommand,
  logs: logsCommand,
  devnet: devnetCommand,
  // Loaded on demand: the benchmarks pull in the gateway client and devnet's test helpers.
  bench: async (args) => (await import('@ehr/bench')).runBench(args),
  web: webCommand,
  // Loaded on demand: ethers and the contract build are not needed by the other commands.
  anchor: async (args) => (await import('@ehr/evm-anchor')).runAnchorCli(args),
  // The system on real Fabric: up/down/status/add-org (network/fabric).
  fabric: async (args) =>
    (await import('@ehr/fabric')).runFabricCli(args, {
      start: startCommand,
      stop: stopCommand,
      status: statusCommand,
      supervisedEnv: SUPERVISED_ENV,
    }),
  // A hospital joining the consortium: request (its CA, key, proposal fields) and add (its services).
  org: (args) =>
    orgCommand(args, {
      supervisedEnv: SUPERVISED_ENV,
      launch: async (net, def, env) =>
        (await import('@ehr/fabric')).launchOutsideSupervisor(net, def, env, (l) =>
          console.error(l),
        ),
    }),
};

async function main(): Promise<void> {
  const [name = 'start', ...args] = process.argv.slice(2);
  const command = commands[name];
  if (!command) {
    console.error(`unknown command "${name}"; known: ${Object.keys(commands).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await command(args);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
