import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork } from '@ehr/network';
import { createGenesisBlock, fabricTopology, type FabricBinaries } from '../src';

describe('the channel genesis block', () => {
  it('refuses to reuse a channel whose Raft consenters differ from FABRIC_ORDERERS', async () => {
    const net = loadNetwork({
      portOffset: 7000,
      dataDir: mkdtempSync(join(tmpdir(), 'fabric-channel-')),
    });
    const one = fabricTopology(net, {});
    const three = fabricTopology(net, { FABRIC_ORDERERS: '3' });
    mkdirSync(one.channelDir, { recursive: true });
    writeFileSync(one.genesisBlock, 'block');
    writeFileSync(`${one.genesisBlock}.consenters`, `orderer0@${one.orderers[0]!.port}\n`);
    // No binary is run for an existing block: these paths are never used.
    const bins = { source: 'none', tool: {}, ccaasDir: '' } as unknown as FabricBinaries;
    await expect(createGenesisBlock(one, bins)).resolves.toBe(false);
    await expect(createGenesisBlock(three, bins)).rejects.toThrow(
      /created with Raft consenters orderer0@\d+, not orderer0@\d+,orderer1@\d+,orderer2@\d+/,
    );
  });
});
