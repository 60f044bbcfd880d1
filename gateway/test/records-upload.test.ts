// The upload service with the ledger and IPFS Cluster stubbed: what reaches storage is the
// encrypted file (and decrypts back), refusals store and write nothing, and failures on either
// side leave nothing half-written.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { CodedError } from '@ehr/common';
import type { AddRecordRequest, KeyHolder } from '@ehr/chaincode/api';
import { CidStream, type IpfsClusterClient } from '@ehr/network';
import {
  DecryptStream,
  loadOrCreateHospitalKey,
  openRemark,
  remarkHashOf,
  unwrapDataKey,
} from '../src/crypto';
import type { Caller } from '../src/http/auth-guard';
import type { GatewayContext } from '../src/http/context';
import type { HospitalKeyRegistration } from '../src/records/hospital-key';
import { OrphanPins } from '../src/records/orphan-pins';
import { RecordUploads } from '../src/records/upload';

const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200_000)]);
const EXE = Buffer.concat([Buffer.from('MZ\x90\x00'), randomBytes(5000)]);
const PATIENT = 'Hospital1MSP/patient-1';

function multipart(
  parts: { name: string; value: Buffer | string; filename?: string; type?: string }[],
) {
  const boundary = 'test-boundary-' + randomBytes(6).toString('hex');
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`,
      ),
    );
    chunks.push(Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const body = Buffer.concat(chunks);
  // Several chunks, as a socket delivers them.
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += 16384) pieces.push(body.subarray(i, i + 16384));
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Readable.from(pieces),
  };
}

const file = (value: Buffer, type = 'application/pdf') => ({
  name: 'file',
  value,
  filename: 'report.pdf',
  type,
});

describe('record upload service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehr-upload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const h1 = loadOrCreateHospitalKey(join(dir, 'h1.pem'));
  const h2 = loadOrCreateHospitalKey(join(dir, 'h2.pem'));
  const holders: KeyHolder[] = [
    {
      mspId: 'Hospital1MSP',
      keyId: h1.keyId,
      algorithm: 'RSA-OAEP-3072',
      publicKeyPem: h1.publicKeyPem,
    },
    {
      mspId: 'Hospital2MSP',
      keyId: h2.keyId,
      algorithm: 'RSA-OAEP-3072',
      publicKeyPem: h2.publicKeyPem,
    },
  ];

  let stored: Map<string, Buffer>;
  let unpinned: string[];
  let submitted: AddRecordRequest[];
  let addFails: boolean;
  let submitFails: CodedError | undefined;
  let holdersFail: CodedError | undefined;
  let clusterCid: string | undefined;
  let addStarted: boolean;

  /** The CID a cluster gives these bytes (the same layout as the real cluster's add). */
  async function cidOf(bytes: Buffer): Promise<string> {
    const s = new CidStream();
    s.resume();
    s.end(bytes);
    return s.cid;
  }

  const cluster = {
    async addStream(source: AsyncIterable<Uint8Array>) {
      addStarted = true;
      const parts: Buffer[] = [];
      for await (const c of source) parts.push(Buffer.from(c));
      if (addFails) throw new Error('connect ECONNREFUSED');
      const cid = clusterCid ?? (await cidOf(Buffer.concat(parts)));
      stored.set(cid, Buffer.concat(parts));
      return cid;
    },
    async unpin(cid: string) {
      unpinned.push(cid);
      stored.delete(cid);
    },
    async pinnedOn() {
      return 2;
    },
    async livePeers() {
      return ['peer-1', 'peer-2'];
    },
  } as unknown as IpfsClusterClient;

  /** Rows the uploads put in orphan_pins (PostgreSQL, stubbed: the records suite uses the real one). */
  let orphanRows: unknown[][];
  const ctx = {
    config: {
      hospital: { mspId: 'Hospital1MSP' },
      network: { ipfs: { replicationFactorMax: 2 } },
      dataDir: dir,
    },
    log: pino({ level: 'silent' }),
    pool: {
      query: async (sql: string, params: unknown[]) => {
        if (sql.includes('INSERT INTO orphan_pins')) orphanRows.push(params);
        return { rows: [] };
      },
    },
  } as unknown as GatewayContext;
  const orphanSettings = { sweepMs: 60_000, outcomeGraceMs: 3_600_000 };
  const key = {
    ensure: async () => undefined,
    key: h1,
    knows: () => true,
  } as unknown as HospitalKeyRegistration;
  const config = {
    maxBytes: 1024 * 1024,
    keyFile: '',
    retiredKeysDir: dir,
    spoolDir: dir,
    ipfsReadTimeoutMs: 1000,
    ipfsAddTimeoutMs: 5000,
    orphanPins: orphanSettings,
  };
  const uploads = new RecordUploads(
    ctx,
    config,
    key,
    () => cluster,
    new OrphanPins(ctx, orphanSettings, () => cluster),
  );
  const doctor: Caller = {
    user: { id: 'doctor-1' },
    ledger: {
      evaluate: async (fn: string) => {
        if (fn === 'records:GetKeyHolders') {
          // As the ledger answers: after the body started to arrive.
          await new Promise((r) => setTimeout(r, 20));
          if (holdersFail) throw holdersFail;
          return holders;
        }
        throw new CodedError('NOT_FOUND');
      },
      // As the real one: endorses (here: refuses) first, orders only once `ready` resolved.
      submit: async (_fn: string, args: string[], options: { ready?: Promise<unknown> } = {}) => {
        if (submitFails) throw submitFails;
        await new Promise((r) => setTimeout(r, 10)); // endorsing, while the add may fail
        await options.ready;
        submitted.push(JSON.parse(args[0]) as AddRecordRequest);
        return { result: {}, transactionId: 'tx-1', timings: { endorse: 1, order: 1, commit: 1 } };
      },
    },
  } as unknown as Caller;

  beforeEach(() => {
    stored = new Map();
    unpinned = [];
    orphanRows = [];
    submitted = [];
    addFails = false;
    submitFails = undefined;
    holdersFail = undefined;
    clusterCid = undefined;
    addStarted = false;
  });

  it('stores only ciphertext that decrypts to the file with the key wrapped for each holder', async () => {
    const { created } = await uploads.upload(
      doctor,
      PATIENT,
      multipart([{ name: 'category', value: 'report' }, file(PDF)]),
    );
    expect(created).toEqual({
      recordId: expect.any(String),
      cid: expect.stringMatching(/^bafk/),
      transactionId: 'tx-1',
      replicas: 2,
    });
    const sealed = stored.get(created.cid)!;
    expect(sealed.includes(PDF.subarray(0, 64))).toBe(false);
    const req = submitted[0];
    expect(req).toMatchObject({
      patientId: PATIENT,
      mediaType: 'application/pdf',
      category: 'report',
      size: sealed.length,
    });
    expect(req.sha256).toBe(createHash('sha256').update(sealed).digest('hex'));
    expect(req.wrappedKeys.map((k) => k.mspId)).toEqual(['Hospital1MSP', 'Hospital2MSP']);
    const dataKey = unwrapDataKey(req.wrappedKeys[1].wrappedKey, h2.privateKey, created.recordId);
    const out: Buffer[] = [];
    const d = new DecryptStream(dataKey);
    d.on('data', (c: Buffer) => out.push(c));
    await new Promise((resolve, reject) =>
      Readable.from([sealed]).pipe(d).on('finish', resolve).on('error', reject),
    );
    expect(Buffer.concat(out).equals(PDF)).toBe(true);
  });

  it('keeps the remark only sealed on the record, opened by the remark key each holder gets', async () => {
    const remark = 'Fracture healed; follow-up in 6 weeks — Dr. Müller';
    const { created } = await uploads.upload(
      doctor,
      PATIENT,
      multipart([
        { name: 'category', value: 'report' },
        { name: 'remark', value: remark },
        file(PDF),
      ]),
    );
    const req = submitted[0];
    expect(req.remark).toEqual(expect.any(String));
    expect(JSON.stringify(req)).not.toContain('Fracture');
    // Not the remark's plain SHA-256, which anyone reading the ledger could test guesses against.
    expect(req.remarkHash).toMatch(/^[0-9a-f]{64}$/);
    expect(req.remarkHash).not.toBe(createHash('sha256').update(remark, 'utf8').digest('hex'));
    for (const [w, holder] of [
      [req.wrappedKeys[0], h1],
      [req.wrappedKeys[1], h2],
    ] as const) {
      const remarkKey = unwrapDataKey(
        w.wrappedRemarkKey!,
        holder.privateKey,
        created.recordId,
        'remark',
      );
      expect(openRemark(req.remark!, remarkKey, created.recordId)).toBe(remark);
      expect(req.remarkHash).toBe(remarkHashOf(remark, remarkKey));
      // A remark key is not a data key: it does not unwrap as one.
      expect(() =>
        unwrapDataKey(w.wrappedRemarkKey!, holder.privateKey, created.recordId),
      ).toThrow();
    }
  });

  it('writes no remark and no remark keys when the doctor wrote none', async () => {
    await uploads.upload(
      doctor,
      PATIENT,
      multipart([{ name: 'category', value: 'report' }, file(PDF)]),
    );
    expect(submitted[0].remark).toBeUndefined();
    expect(submitted[0].wrappedKeys.every((w) => w.wrappedRemarkKey === undefined)).toBe(true);
  });

  it('names the CID the cluster answered when it differs from the one computed locally', async () => {
    clusterCid = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
    const { created } = await uploads.upload(
      doctor,
      PATIENT,
      multipart([{ name: 'category', value: 'report' }, file(PDF)]),
    );
    expect(created.cid).toBe(clusterCid);
    expect(submitted.map((r) => r.cid)).toEqual([clusterCid]);
  });

  it('starts no add when the ledger refuses the doctor, and answers with its code', async () => {
    holdersFail = new CodedError('NOT_ASSIGNED');
    await expect(
      uploads.upload(
        doctor,
        PATIENT,
        multipart([{ name: 'category', value: 'report' }, file(PDF)]),
      ),
    ).rejects.toMatchObject({ code: 'NOT_ASSIGNED' });
    expect(addStarted).toBe(false);
    expect(stored.size).toBe(0);
  });

  it.each([
    ['a program renamed to .pdf', [file(EXE)], 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'a PNG declared as a PDF',
      [
        file(
          Buffer.concat([
            Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
            randomBytes(100),
          ]),
        ),
      ],
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['an empty file', [file(Buffer.alloc(0))], 'FILE_EMPTY'],
    [
      'a file over the limit',
      [file(Buffer.concat([PDF, randomBytes(1024 * 1024)]))],
      'PAYLOAD_TOO_LARGE',
    ],
    ['no file part', [{ name: 'category', value: 'report' }], 'VALIDATION_FAILED'],
    [
      'an unknown category',
      [{ name: 'category', value: 'gossip' }, file(PDF)],
      'VALIDATION_FAILED',
    ],
  ])('refuses %s with %s, leaving nothing stored or written', async (_what, parts, code) => {
    await expect(
      uploads.upload(
        doctor,
        PATIENT,
        multipart(
          [{ name: 'category', value: 'report' }, ...parts].slice(
            parts[0].name === 'category' ? 1 : 0,
          ),
        ),
      ),
    ).rejects.toMatchObject({ code });
    expect(stored.size).toBe(0);
    expect(submitted).toHaveLength(0);
  });

  it('answers STORAGE_UNAVAILABLE when the cluster add fails, and writes nothing on the ledger', async () => {
    addFails = true;
    await expect(
      uploads.upload(
        doctor,
        PATIENT,
        multipart([{ name: 'category', value: 'report' }, file(PDF)]),
      ),
    ).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(submitted).toHaveLength(0);
  });

  it('unpins the file when the ledger refuses the record, and says so', async () => {
    submitFails = new CodedError('LEDGER_UNAVAILABLE');
    const err = await uploads
      .upload(doctor, PATIENT, multipart([{ name: 'category', value: 'report' }, file(PDF)]))
      .catch((e: CodedError) => e);
    expect(err).toMatchObject({
      code: 'LEDGER_UNAVAILABLE',
      details: { storedFile: { cleanup: 'unpinned' } },
    });
    expect(unpinned).toHaveLength(1);
    expect(stored.size).toBe(0);
  });

  it('records an orphan pin for cleanup when the unpin fails too', async () => {
    submitFails = new CodedError('LEDGER_UNAVAILABLE');
    const failingUnpin = Object.assign(Object.create(cluster) as object, {
      unpin: async () => Promise.reject(new Error('down')),
    }) as unknown as IpfsClusterClient;
    const u = new RecordUploads(
      ctx,
      config,
      key,
      () => failingUnpin,
      new OrphanPins(ctx, orphanSettings, () => failingUnpin),
    );
    const err = (await u
      .upload(doctor, PATIENT, multipart([{ name: 'category', value: 'report' }, file(PDF)]))
      .catch((e: CodedError) => e)) as CodedError;
    expect(err).toMatchObject({ details: { storedFile: { cleanup: 'recorded-for-cleanup' } } });
    // cid, record id, reason, transaction id (none: nothing may commit), the unpin's error
    expect(orphanRows).toEqual([
      [
        (err.details!.storedFile as { cid: string }).cid,
        expect.any(String),
        'LEDGER_UNAVAILABLE',
        null,
        'down',
        orphanSettings.sweepMs,
      ],
    ]);
  });

  it('keeps the file, and records it with its transaction, when the ledger has not confirmed the write', async () => {
    submitFails = new CodedError('LEDGER_OUTCOME_UNKNOWN', undefined, { transactionId: 'tx-9' });
    const err = (await uploads
      .upload(doctor, PATIENT, multipart([{ name: 'category', value: 'report' }, file(PDF)]))
      .catch((e: CodedError) => e)) as CodedError;
    expect(err).toMatchObject({
      code: 'LEDGER_OUTCOME_UNKNOWN',
      details: { transactionId: 'tx-9', storedFile: { cleanup: 'kept-until-the-ledger-answers' } },
    });
    const cid = (err.details!.storedFile as { cid: string }).cid;
    expect(unpinned).toEqual([]);
    expect([...stored.keys()]).toEqual([cid]);
    expect(orphanRows).toEqual([
      [cid, expect.any(String), 'LEDGER_OUTCOME_UNKNOWN', 'tx-9', null, 0],
    ]);
  });

  it('derives the same record id for a retry with the same idempotency key (and only then)', () => {
    const a = uploads.recordIdFor('d', PATIENT, 'key-1');
    expect(uploads.recordIdFor('d', PATIENT, 'key-1')).toBe(a);
    expect(uploads.recordIdFor('d', PATIENT, 'key-2')).not.toBe(a);
    expect(uploads.recordIdFor('other', PATIENT, 'key-1')).not.toBe(a);
    expect(() => uploads.recordIdFor('d', PATIENT, 'bad key!')).toThrow(CodedError);
  });
});
