// The ledger connection without a ledger: an unreachable peer is LEDGER_UNAVAILABLE (503) and
// readiness says so; nothing hangs past the configured deadline.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { LedgerConnection } from '../src/ledger/connection';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('ledger connection', () => {
  it('maps an unreachable peer to LEDGER_UNAVAILABLE and reports not ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-ledger-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, rootCertificates[0]!); // any well-formed root: the connection never gets that far
    const conn = new LedgerConnection({
      endpoint: `127.0.0.1:${await closedPort()}`,
      tlsCaFile: ca,
      tlsServerName: 'peer0.example',
      channel: 'ehr',
      chaincode: 'ehr',
      timeoutMs: 1500,
      commitTimeoutMs: 1500,
    });
    try {
      expect(await conn.ready(500)).toBe(false);
      const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const user = conn.as({
        mspId: 'Hospital1MSP',
        certificate: 'not used before the connection',
        privateKey,
      });
      await expect(user.evaluate('assignments:ListMyPatients', [])).rejects.toMatchObject({
        code: 'LEDGER_UNAVAILABLE',
        status: 503,
      });
    } finally {
      conn.close();
    }
  });

  it('is not ready (and says LEDGER_UNAVAILABLE) before the ledger’s TLS root exists', async () => {
    const conn = new LedgerConnection({
      endpoint: '127.0.0.1:1',
      tlsCaFile: '/nonexistent/ca.pem',
      tlsServerName: 'x',
      channel: 'c',
      chaincode: 'c',
      timeoutMs: 1000,
      commitTimeoutMs: 1000,
    });
    expect(await conn.ready(100)).toBe(false);
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expect(
      conn.as({ mspId: 'M', certificate: 'c', privateKey }).evaluate('f', []),
    ).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });
});
