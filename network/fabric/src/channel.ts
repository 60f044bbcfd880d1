// The application channel: its genesis block from configtxgen, the orderers joined through their
// admin endpoints (channel participation, no system channel), the peers joined with the block.
// Every step first asks whether it is already done, so `up` after a stop changes nothing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { FabricBinaries } from './binaries';
import { CHANNEL_PROFILE } from './config/configtx';
import { runTool } from './exec';
import { osnadminFlags, peerAdminEnv } from './identities';
import type { FabricTopology, OrdererNode, PeerNode } from './topology';

/** Which orderers the genesis block names as Raft consenters (recorded beside it). */
const consentersFile = (topo: FabricTopology) => `${topo.genesisBlock}.consenters`;
const consenterNames = (topo: FabricTopology) =>
  topo.orderers.map((o) => `${o.name}@${o.port}`).join(',');

/**
 * The genesis block is made once: a second configtxgen run would produce a different channel.
 * An existing channel whose consenters differ from the wanted orderers (FABRIC_ORDERERS changed)
 * is refused: that change is a channel configuration update, not a restart.
 */
export async function createGenesisBlock(
  topo: FabricTopology,
  bins: FabricBinaries,
): Promise<boolean> {
  if (existsSync(topo.genesisBlock)) {
    const recorded = existsSync(consentersFile(topo))
      ? readFileSync(consentersFile(topo), 'utf8').trim()
      : undefined;
    if (recorded !== undefined && recorded !== consenterNames(topo)) {
      throw new Error(
        `the channel ${topo.channel} was created with Raft consenters ${recorded}, not ${consenterNames(topo)}: ` +
          `set FABRIC_ORDERERS back, or \`npm run fabric -- down --purge\` to start a new ledger`,
      );
    }
    return false;
  }
  await runTool(bins.tool.configtxgen, [
    '-configPath',
    topo.channelDir,
    '-profile',
    CHANNEL_PROFILE,
    '-channelID',
    topo.channel,
    '-outputBlock',
    topo.genesisBlock,
  ]);
  writeFileSync(consentersFile(topo), `${consenterNames(topo)}\n`);
  return true;
}

/** osnadmin prints "Status: <http code>" then the JSON body. */
export function parseOsnadmin(stdout: string): { status: number; body: unknown } {
  const m = /Status:\s*(\d{3})/.exec(stdout);
  if (!m) throw new Error(`unexpected osnadmin output: ${stdout.slice(0, 200)}`);
  const json = stdout.slice(stdout.indexOf('{'));
  let body: unknown;
  try {
    body = json.startsWith('{') ? JSON.parse(json) : undefined;
  } catch {
    body = json;
  }
  return { status: Number(m[1]), body };
}

export async function ordererChannelInfo(
  topo: FabricTopology,
  bins: FabricBinaries,
  orderer: OrdererNode,
): Promise<{ joined: boolean; height?: number; status?: string; consensusRelation?: string }> {
  const { stdout } = await runTool(bins.tool.osnadmin, [
    'channel',
    'list',
    '--channelID',
    topo.channel,
    ...osnadminFlags(topo, orderer),
  ]);
  const res = parseOsnadmin(stdout);
  if (res.status === 404) return { joined: false };
  if (res.status !== 200)
    throw new Error(`osnadmin channel list on ${orderer.name}: ${stdout.trim()}`);
  const b = res.body as { height?: number; status?: string; consensusRelation?: string };
  return {
    joined: true,
    height: b.height,
    status: b.status,
    consensusRelation: b.consensusRelation,
  };
}

export async function joinOrderer(
  topo: FabricTopology,
  bins: FabricBinaries,
  orderer: OrdererNode,
): Promise<boolean> {
  if ((await ordererChannelInfo(topo, bins, orderer)).joined) return false;
  const { stdout } = await runTool(bins.tool.osnadmin, [
    'channel',
    'join',
    '--channelID',
    topo.channel,
    '--config-block',
    topo.genesisBlock,
    ...osnadminFlags(topo, orderer),
  ]);
  const res = parseOsnadmin(stdout);
  if (res.status !== 201)
    throw new Error(`osnadmin channel join on ${orderer.name}: ${stdout.trim()}`);
  return true;
}

export async function peerChannels(
  topo: FabricTopology,
  bins: FabricBinaries,
  peer: PeerNode,
): Promise<string[]> {
  const { stdout } = await runTool(bins.tool.peer, ['channel', 'list'], peerAdminEnv(topo, peer));
  // "Channels peers has joined: \n ehr"
  return stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
}

export async function joinPeer(
  topo: FabricTopology,
  bins: FabricBinaries,
  peer: PeerNode,
): Promise<boolean> {
  if ((await peerChannels(topo, bins, peer)).includes(topo.channel)) return false;
  await runTool(
    bins.tool.peer,
    ['channel', 'join', '-b', topo.genesisBlock],
    peerAdminEnv(topo, peer),
  );
  return true;
}

/** The channel height a peer reports (blocks committed). */
export async function peerHeight(
  topo: FabricTopology,
  bins: FabricBinaries,
  peer: PeerNode,
): Promise<number> {
  const { stdout } = await runTool(
    bins.tool.peer,
    ['channel', 'getinfo', '-c', topo.channel],
    peerAdminEnv(topo, peer),
  );
  const m = /Blockchain info:\s*(\{.*\})/.exec(stdout);
  if (!m) throw new Error(`unexpected peer channel getinfo output: ${stdout.slice(0, 200)}`);
  return Number((JSON.parse(m[1]!) as { height: number }).height);
}
