// The gateway under benchmark, in its own process so its memory is measured alone: a real
// gateway (createGateway) for Hospital1 on a fresh database, a doctor assigned to a patient,
// and — on request over IPC — the raw ledger baseline: records:AddRecord submitted straight
// through the Fabric Gateway as that doctor, with metadata of the same size as an upload's.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddRecordRequest, KeyHolder } from '@ehr/chaincode/api';
import {
  bootstrapAdminLedger,
  createGateway,
  loadGatewayConfig,
  unsealPrivateKey,
} from '@ehr/gateway';
import { ensureDatabase, loadNetwork } from '@ehr/network';

export interface ChildReady {
  url: string;
  doctor: { username: string; password: string };
  patientId: string;
  pid: number;
}

export type ChildRequest =
  { op: 'submit'; id: number; cid: string; size: number } | { op: 'memory'; id: number };
export type ChildReply =
  | { id: number; ms: number }
  | { id: number; error: string }
  | { id: number; memory: NodeJS.MemoryUsage; cpu: NodeJS.CpuUsage };

async function main(): Promise<void> {
  const net = loadNetwork();
  const h1 = net.hospitals[0]!;
  const dbUrl = await ensureDatabase(net, `ehr_bench_${Date.now().toString(36)}`);
  const config = loadGatewayConfig(
    {
      ...process.env,
      EHR_HOSPITAL: h1.name,
      DATABASE_URL: dbUrl,
      EHR_GATEWAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'ehr-bench-gw-')),
      EHR_LOG_LEVEL: 'warn',
    },
    net,
  );
  const gw = await createGateway(config);
  const server = await gw.listen(0, '127.0.0.1');
  const port = (server.address() as { port: number }).port;
  await gw.ctx.records!.hospitalKey.ensure();

  const password = `bench ${randomUUID()}`;
  const tag = Date.now().toString(36);
  const doctor = await gw.ctx.accounts.create({
    role: 'doctor',
    username: `benchdoc${tag}`,
    email: `benchdoc${tag}@example.org`,
    fullName: 'Dr. Bench',
    govId: `MD-BENCH-${tag.toUpperCase()}`,
    password,
  });
  const patient = await gw.ctx.accounts.create({
    role: 'patient',
    username: `benchpat${tag}`,
    email: `benchpat${tag}@example.org`,
    fullName: 'Bench Patient',
    password,
  });
  const doctorId = `${h1.mspId}/${doctor.id}`;
  const patientId = `${h1.mspId}/${patient.id}`;
  await (
    await bootstrapAdminLedger(gw.ctx)
  ).submit('assignments:AssignDoctor', [patientId, doctorId]);

  const privateKey = await unsealPrivateKey(
    doctor.sealedKey,
    password,
    config.keyPepper,
    doctor.id,
  );
  const ledger = gw.ctx.ledger.as({ mspId: h1.mspId, certificate: doctor.certificate, privateKey });
  const holders = await ledger.evaluate<KeyHolder[]>('records:GetKeyHolders', [patientId]);

  process.on('message', (m: ChildRequest) => {
    if (m.op === 'memory') {
      process.send!({
        id: m.id,
        memory: process.memoryUsage(),
        cpu: process.cpuUsage(),
      } satisfies ChildReply);
      return;
    }
    const recordId = `bench-raw-${randomUUID()}`;
    // Same fields and sizes as an upload's AddRecord (a 384-byte wrapped key per holder).
    const request: AddRecordRequest = {
      recordId,
      patientId,
      cid: m.cid,
      sha256: createHash('sha256').update(recordId).digest('hex'),
      size: m.size,
      mediaType: 'application/pdf',
      category: 'report',
      remarkHash: createHash('sha256').update('').digest('hex'),
      wrappedKeys: holders.map((h) => ({
        mspId: h.mspId,
        keyId: h.keyId,
        wrappedKey: randomBytes(384).toString('base64'),
      })),
    };
    const t0 = performance.now();
    ledger.submit('records:AddRecord', [JSON.stringify(request)]).then(
      () => process.send!({ id: m.id, ms: performance.now() - t0 } satisfies ChildReply),
      (e: unknown) => process.send!({ id: m.id, error: (e as Error).message } satisfies ChildReply),
    );
  });
  process.on('disconnect', () => {
    void gw.close().finally(() => process.exit(0));
  });
  process.send!({
    url: `http://127.0.0.1:${port}`,
    doctor: { username: doctor.username, password },
    patientId,
    pid: process.pid,
  } satisfies ChildReady);
}

main().catch((e: unknown) => {
  console.error(`bench gateway failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
