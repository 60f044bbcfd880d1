import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AeadError,
  ciphertextSize,
  DecryptStream,
  DEFAULT_SEGMENT_SIZE,
  EncryptStream,
  HEADER_LENGTH,
  keyIdOf,
  KeyWrapError,
  loadOrCreateHospitalKey,
  newDataKey,
  remarkHashOf,
  remarkKeyOf,
  remarkMatches,
  TAG_LENGTH,
  unwrapDataKey,
  wrapDataKey,
} from '../src/crypto';

const KiB = 1024;
const SEG = DEFAULT_SEGMENT_SIZE;

async function collect(source: Readable, transform: Transform): Promise<Buffer> {
  const out: Buffer[] = [];
  transform.on('data', (c: Buffer) => out.push(c));
  await pipeline(source, transform);
  return Buffer.concat(out);
}

/** Feeds `data` in uneven chunks so segment boundaries never line up with chunk boundaries. */
function chunked(data: Buffer, size = 10007): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts.length ? parts : [], { objectMode: false });
}

const encrypt = (key: Buffer, data: Buffer) => collect(chunked(data), new EncryptStream(key));
const decrypt = (key: Buffer, data: Buffer) => collect(chunked(data, 4099), new DecryptStream(key));

describe('segmented AES-256-GCM stream', () => {
  const key = newDataKey();

  it.each([0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG, 5 * 1024 * KiB + 3])(
    'round trip of %i bytes',
    async (n) => {
      const plain = randomBytes(n);
      const sealed = await encrypt(key, plain);
      expect(sealed.length).toBe(ciphertextSize(n));
      expect(sealed.subarray(0, 4).toString()).toBe('EHRS');
      const opened = await decrypt(key, sealed);
      expect(opened.equals(plain)).toBe(true);
    },
  );

  it('never repeats a nonce prefix between two encryptions under one key', async () => {
    const a = await encrypt(key, Buffer.alloc(10));
    const b = await encrypt(key, Buffer.alloc(10));
    expect(a.subarray(9, HEADER_LENGTH).equals(b.subarray(9, HEADER_LENGTH))).toBe(false);
  });

  describe('refuses', () => {
    const plain = randomBytes(3 * SEG + 100);
    let sealed: Buffer;
    beforeAll(async () => {
      sealed = await encrypt(key, plain);
    });
    const sealedSeg = SEG + TAG_LENGTH;
    const segment = (i: number) =>
      sealed.subarray(HEADER_LENGTH + i * sealedSeg, HEADER_LENGTH + (i + 1) * sealedSeg);

    it('one flipped byte in a segment', async () => {
      const bad = Buffer.from(sealed);
      bad[HEADER_LENGTH + sealedSeg + 17] ^= 1;
      await expect(decrypt(key, bad)).rejects.toThrow(AeadError);
    });

    it('one flipped byte in the header', async () => {
      const bad = Buffer.from(sealed);
      bad[12] ^= 0x80;
      await expect(decrypt(key, bad)).rejects.toThrow(AeadError);
    });

    it('a stream truncated at a segment boundary', async () => {
      await expect(decrypt(key, sealed.subarray(0, HEADER_LENGTH + 2 * sealedSeg))).rejects.toThrow(
        /segment 1 failed/,
      );
    });

    it('a stream truncated inside a segment, or inside the header', async () => {
      await expect(decrypt(key, sealed.subarray(0, sealed.length - 5))).rejects.toThrow(AeadError);
      await expect(decrypt(key, sealed.subarray(0, 10))).rejects.toThrow(/truncated/);
      await expect(decrypt(key, Buffer.alloc(0))).rejects.toThrow(/truncated/);
    });

    it('an appended segment', async () => {
      await expect(decrypt(key, Buffer.concat([sealed, segment(0)]))).rejects.toThrow(AeadError);
    });

    it('two swapped segments', async () => {
      const swapped = Buffer.concat([
        sealed.subarray(0, HEADER_LENGTH),
        segment(1),
        segment(0),
        sealed.subarray(HEADER_LENGTH + 2 * sealedSeg),
      ]);
      await expect(decrypt(key, swapped)).rejects.toThrow(/segment 0 failed/);
    });

    it('the wrong key', async () => {
      await expect(decrypt(newDataKey(), sealed)).rejects.toThrow(AeadError);
    });

    it('an empty file whose last segment was removed', async () => {
      const empty = await encrypt(key, Buffer.alloc(0));
      await expect(decrypt(key, empty.subarray(0, HEADER_LENGTH))).rejects.toThrow(
        /final segment missing/,
      );
    });

    it('releases no plaintext of a segment that fails (only earlier, authenticated ones)', async () => {
      const bad = Buffer.from(sealed);
      bad[HEADER_LENGTH + 2 * sealedSeg + 3] ^= 1; // segment 2
      const out: Buffer[] = [];
      const d = new DecryptStream(key);
      d.on('data', (c: Buffer) => out.push(c));
      await expect(pipeline(chunked(bad), d)).rejects.toThrow(/segment 2 failed/);
      const released = Buffer.concat(out);
      expect(released.length).toBe(2 * SEG);
      expect(released.equals(plain.subarray(0, 2 * SEG))).toBe(true);
    });
  });
});

describe('data key wrapping (RSA-OAEP-3072)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehr-keywrap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hospital', 'record-key.pem');
  const hospital = loadOrCreateHospitalKey(file);

  it('generates the key once, 0600, and loads the same one again', () => {
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateHospitalKey(file);
    expect(again.keyId).toBe(hospital.keyId);
    expect(again.publicKeyPem).toBe(hospital.publicKeyPem);
    expect(hospital.keyId).toBe(keyIdOf(hospital.publicKeyPem));
    expect(hospital.keyId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('wraps for the public key and unwraps with the private key', () => {
    const dataKey = newDataKey();
    const wrapped = wrapDataKey(dataKey, hospital.publicKeyPem, 'rec-1');
    expect(Buffer.from(wrapped, 'base64').length).toBe(384);
    expect(unwrapDataKey(wrapped, hospital.privateKey, 'rec-1').equals(dataKey)).toBe(true);
  });

  it('refuses another record id (the label binds the record)', () => {
    const wrapped = wrapDataKey(newDataKey(), hospital.publicKeyPem, 'rec-1');
    expect(() => unwrapDataKey(wrapped, hospital.privateKey, 'rec-2')).toThrow(KeyWrapError);
  });

  it("refuses another hospital's private key", () => {
    const other = loadOrCreateHospitalKey(join(dir, 'other.pem'));
    const wrapped = wrapDataKey(newDataKey(), hospital.publicKeyPem, 'rec-1');
    expect(() => unwrapDataKey(wrapped, other.privateKey, 'rec-1')).toThrow(KeyWrapError);
  });

  it('refuses a public key that is not RSA-3072', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => wrapDataKey(newDataKey(), small, 'rec-1')).toThrow(/RSA-OAEP-3072/);
  });
});

describe('the remark hash on the ledger', () => {
  const key = remarkKeyOf(newDataKey(), 'rec-1');
  const sha256 = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

  it('is keyed: a short remark cannot be guessed from it without the remark key', () => {
    const h = remarkHashOf('ok', key);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toBe(sha256('ok'));
    expect(remarkHashOf('ok', remarkKeyOf(newDataKey(), 'rec-1'))).not.toBe(h);
    expect(remarkHashOf('ok', key)).toBe(h);
  });

  it('matches its own remark only, and the plain SHA-256 of records written before it', () => {
    expect(remarkMatches('ok', remarkHashOf('ok', key), key)).toBe(true);
    expect(remarkMatches('ok.', remarkHashOf('ok', key), key)).toBe(false);
    expect(remarkMatches('ok', remarkHashOf('ok', remarkKeyOf(newDataKey(), 'rec-1')), key)).toBe(
      false,
    );
    expect(remarkMatches('ok', sha256('ok'), key)).toBe(true);
    expect(remarkMatches('ok', 'not hex', key)).toBe(false);
  });
});
