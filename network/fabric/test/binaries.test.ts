import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CCAAS_STEPS,
  FabricBinariesMissing,
  findFabricBinaries,
  resolveFabricBinaries,
  TOOLS,
} from '../src';

function fakeBinDir(skip?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fabric-bin-'));
  mkdirSync(join(dir, 'ccaas', 'bin'), { recursive: true });
  for (const f of [...TOOLS, ...CCAAS_STEPS.map((s) => join('ccaas', 'bin', s))]) {
    if (f === skip) continue;
    writeFileSync(join(dir, f), '#!/bin/sh\n');
    chmodSync(join(dir, f), 0o755);
  }
  return dir;
}

describe('Fabric binaries', () => {
  const cache = mkdtempSync(join(tmpdir(), 'fabric-cache-'));

  it('takes a complete FABRIC_BIN directory', () => {
    const dir = fakeBinDir();
    const found = findFabricBinaries(cache, { FABRIC_BIN: dir })!;
    expect(found.tool.peer).toBe(join(dir, 'peer'));
    expect(found.ccaasDir).toBe(join(dir, 'ccaas'));
  });

  it('names what an incomplete FABRIC_BIN lacks', () => {
    const dir = fakeBinDir(join('ccaas', 'bin', 'release'));
    expect(() => findFabricBinaries(cache, { FABRIC_BIN: dir })).toThrow(
      /lacks: .*ccaas\/bin\/release/,
    );
  });

  it('without FABRIC_BIN and without download fails at once, naming both ways', async () => {
    const err = await resolveFabricBinaries(cache, { FABRIC_DOWNLOAD: '0' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FabricBinariesMissing);
    expect((err as Error).message).toMatch(/FABRIC_BIN=/);
    expect((err as Error).message).toMatch(/releases\/download\/v3\.1\.5\/.*SHA-256 [0-9a-f]{64}/s);
  });
});
