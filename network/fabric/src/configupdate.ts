// Channel configuration updates the way Fabric's own tools make them: fetch the latest config
// block, decode it with configtxlator, change the JSON, let configtxlator compute the update,
// wrap it in an envelope, have admins sign it (`peer channel signconfigtx`), submit it
// (`peer channel update`). The orderer checks the signatures against the channel's policies
// (Application Admins = MAJORITY of the hospitals' admins).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricBinaries } from './binaries';
import { runTool } from './exec';
import { ordererFlags, peerAdminEnv } from './identities';
import type { FabricTopology, PeerNode } from './topology';

/** The channel's config as configtxlator's JSON (common.Config). */
export type ConfigJson = {
  channel_group: {
    groups: Record<string, { groups: Record<string, unknown>; [k: string]: unknown }>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

function workDir(topo: FabricTopology): string {
  const base = join(topo.root, 'config-updates');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, 'update-'));
}

async function decode(bins: FabricBinaries, type: string, file: string): Promise<unknown> {
  // configtxlator writes to /dev/stdout by default, which cannot be opened on Node's socket pipes.
  const out = `${file}.${type}.json`;
  await runTool(bins.tool.configtxlator, [
    'proto_decode',
    '--type',
    type,
    '--input',
    file,
    '--output',
    out,
  ]);
  return JSON.parse(readFileSync(out, 'utf8'));
}

async function encode(
  bins: FabricBinaries,
  type: string,
  json: unknown,
  dir: string,
  name: string,
): Promise<string> {
  const input = join(dir, `${name}.json`);
  const output = join(dir, `${name}.pb`);
  writeFileSync(input, JSON.stringify(json));
  await runTool(bins.tool.configtxlator, [
    'proto_encode',
    '--type',
    type,
    '--input',
    input,
    '--output',
    output,
  ]);
  return output;
}

/** The latest channel configuration, fetched from the orderer by a member's admin. */
export async function fetchChannelConfig(
  topo: FabricTopology,
  bins: FabricBinaries,
  via: PeerNode,
): Promise<ConfigJson> {
  const dir = workDir(topo);
  try {
    const block = join(dir, 'config_block.pb');
    await runTool(
      bins.tool.peer,
      ['channel', 'fetch', 'config', block, '-c', topo.channel, ...ordererFlags(topo)],
      peerAdminEnv(topo, via),
    );
    const decoded = (await decode(bins, 'common.Block', block)) as {
      data: { data: { payload: { data: { config: ConfigJson } } }[] };
    };
    return decoded.data.data[0]!.payload.data.config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The MSP ids of the channel's application organisations (the hospitals that are members). */
export const memberMspIds = (config: ConfigJson) =>
  Object.keys(config.channel_group.groups.Application?.groups ?? {});

/**
 * An envelope (common.Envelope, protobuf bytes in a file) carrying the update from `original` to
 * `updated`, not yet signed. configtxlator computes the read/write sets and versions.
 */
export async function buildConfigUpdate(
  topo: FabricTopology,
  bins: FabricBinaries,
  original: ConfigJson,
  updated: ConfigJson,
): Promise<string> {
  const dir = workDir(topo);
  const orig = await encode(bins, 'common.Config', original, dir, 'original');
  const upd = await encode(bins, 'common.Config', updated, dir, 'updated');
  const delta = join(dir, 'update.pb');
  await runTool(bins.tool.configtxlator, [
    'compute_update',
    '--channel_id',
    topo.channel,
    '--original',
    orig,
    '--updated',
    upd,
    '--output',
    delta,
  ]);
  const configUpdate = await decode(bins, 'common.ConfigUpdate', delta);
  const envelope = {
    payload: {
      // HeaderType CONFIG_UPDATE = 2
      header: { channel_header: { channel_id: topo.channel, type: 2 } },
      data: { config_update: configUpdate },
    },
  };
  return encode(bins, 'common.Envelope', envelope, dir, 'envelope');
}

/** Adds the signature of `admin`'s organisation admin to the envelope file (in place). */
export async function signConfigUpdate(
  topo: FabricTopology,
  bins: FabricBinaries,
  envelope: string,
  admin: PeerNode,
) {
  await runTool(
    bins.tool.peer,
    ['channel', 'signconfigtx', '-f', envelope],
    peerAdminEnv(topo, admin),
  );
}

/** Submits the envelope; `submitter`'s admin signs it too. Fabric refuses it unless the policies are met. */
export async function submitConfigUpdate(
  topo: FabricTopology,
  bins: FabricBinaries,
  envelope: string,
  submitter: PeerNode,
) {
  await runTool(
    bins.tool.peer,
    ['channel', 'update', '-f', envelope, '-c', topo.channel, ...ordererFlags(topo)],
    peerAdminEnv(topo, submitter),
  );
}
