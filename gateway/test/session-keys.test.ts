import { generateKeyPairSync } from 'node:crypto';
import { SessionKeyStore } from '../src/custody/session-keys';

describe('session key store', () => {
  const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  let t = 0;
  let store: SessionKeyStore;
  beforeEach(() => {
    t = 1_000_000;
    store = new SessionKeyStore(15 * 60_000, () => t, 60_000);
  });
  afterEach(() => store.close());

  it('keeps a key while the session is active and drops it after the idle time', () => {
    store.put('s1', { userId: 'u1', privateKey, certificate: 'c' });
    t += 14 * 60_000;
    expect(store.get('s1', 'u1')?.privateKey).toBe(privateKey);
    t += 14 * 60_000; // used 14 minutes ago: still alive
    expect(store.get('s1', 'u1')).toBeDefined();
    t += 16 * 60_000;
    expect(store.get('s1', 'u1')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('sweeps idle keys without being asked', () => {
    store.put('s1', { userId: 'u1', privateKey, certificate: 'c' });
    store.put('s2', { userId: 'u2', privateKey, certificate: 'c' });
    t += 10 * 60_000;
    store.get('s2', 'u2');
    t += 6 * 60_000;
    expect(store.sweep()).toBe(1);
    expect(store.get('s2', 'u2')).toBeDefined();
  });

  it('never hands a key to another user, and forgets all keys of a disabled user', () => {
    store.put('s1', { userId: 'u1', privateKey, certificate: 'c' });
    store.put('s2', { userId: 'u1', privateKey, certificate: 'c' });
    expect(store.get('s1', 'u2')).toBeUndefined();
    store.put('s1', { userId: 'u1', privateKey, certificate: 'c' });
    store.deleteUser('u1');
    expect(store.get('s1', 'u1')).toBeUndefined();
    expect(store.get('s2', 'u1')).toBeUndefined();
  });
});
