import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { sealPrivateKey, unsealPrivateKey } from '../src/custody/key-custody';

const FAST = { N: 2 ** 10, r: 8, p: 1 }; // unit tests only; production uses DEFAULT_KDF
const pem = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

describe('key custody', () => {
  const pepper = 'p'.repeat(43);

  it('opens a sealed key with the same password, pepper and user, and the key still signs', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const sealed = await sealPrivateKey(keyPem, 'correct horse battery', pepper, 'user-1', FAST);
    const opened = await unsealPrivateKey(sealed, 'correct horse battery', pepper, 'user-1');
    const sig = sign('sha256', Buffer.from('hello'), opened);
    expect(verify('sha256', Buffer.from('hello'), publicKey, sig)).toBe(true);
  });

  it('stores nothing readable: no PEM, no key bytes in the sealed form', async () => {
    const keyPem = pem();
    const sealed = await sealPrivateKey(keyPem, 'correct horse battery', pepper, 'user-1', FAST);
    const text = JSON.stringify(sealed);
    expect(text).not.toContain('PRIVATE KEY');
    const body = keyPem.split('\n').slice(1, -2).join('');
    expect(text).not.toContain(body.slice(0, 24));
  });

  it.each([
    ['a wrong password', 'wrong password!!', pepper, 'user-1'],
    ['the database alone (another pepper)', 'correct horse battery', 'q'.repeat(43), 'user-1'],
    ['a key moved to another account', 'correct horse battery', pepper, 'user-2'],
  ])('refuses %s', async (_name, password, pep, userId) => {
    const sealed = await sealPrivateKey(pem(), 'correct horse battery', pepper, 'user-1', FAST);
    await expect(unsealPrivateKey(sealed, password, pep, userId)).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });

  it('refuses a tampered ciphertext', async () => {
    const sealed = await sealPrivateKey(pem(), 'correct horse battery', pepper, 'user-1', FAST);
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[5] ^= 1;
    await expect(
      unsealPrivateKey(
        { ...sealed, ct: ct.toString('base64') },
        'correct horse battery',
        pepper,
        'user-1',
      ),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
