import { BcryptHasher } from '../src/auth/passwords';

describe('password hashing', () => {
  it('uses bcrypt with cost ≥ 12 and counts every verification', async () => {
    expect(() => new BcryptHasher(10)).toThrow();
    const hasher = new BcryptHasher(12);
    const hash = await hasher.hash('correct horse battery');
    expect(hash).toMatch(/^\$2[aby]\$12\$/);
    expect(await hasher.verify('correct horse battery', hash)).toBe(true);
    expect(await hasher.verify('wrong', hash)).toBe(false);
    expect(await hasher.verifyAgainstNothing('anything')).toBe(false);
    expect(hasher.verifications).toBe(3);
  }, 60_000); // five bcrypt operations at cost 12 on a busy 2-core machine
});
