import { msp as mspProto } from '@hyperledger/fabric-protos';
import { parseEcdsaSignature } from '@ehr/network';
import {
  MspManager,
  satisfiesRole,
  signLowS,
  toHighS,
  isLowS,
  MspError,
  SigningIdentity,
} from '../src/msp';
import { Msp } from '../src/msp';
import { createCa, crl, identity, issue, mspConfig, mspOf, type TestCa } from './fixtures/pki';

const serialize = (mspId: string, pem: Buffer) => {
  const si = new mspProto.SerializedIdentity();
  si.setMspid(mspId);
  si.setIdBytes(pem);
  return Buffer.from(si.serializeBinary());
};

describe('MSP', () => {
  let ca1: TestCa;
  let ca2: TestCa;
  let mgr: MspManager;

  beforeAll(async () => {
    ca1 = await createCa('hospital1');
    ca2 = await createCa('hospital2');
    mgr = new MspManager([mspOf('Hospital1MSP', ca1), mspOf('Hospital2MSP', ca2)]);
  });

  it('validates a client chained to its root, with role and Fabric CA attributes', async () => {
    const doctor = await identity(ca1, 'Hospital1MSP', {
      cn: 'dr-a',
      ous: ['client', 'hospital1'],
      attrs: { role: 'doctor', uid: 'd-1', govId: 'G-123', 'hf.EnrollmentID': 'dr-a' },
    });
    const id = mgr.deserializeIdentity(doctor.serialized);
    expect(() => id.validate()).not.toThrow();
    expect(id.role).toBe('client');
    expect(id.attributes).toMatchObject({ role: 'doctor', uid: 'd-1', govId: 'G-123' });
    expect(mgr.deserializeIdentity(doctor.serialized)).toBe(id); // cached
    const msg = Buffer.from('proposal bytes');
    expect(id.verify(msg, doctor.sign(msg))).toBe(true);
    expect(id.verify(Buffer.from('other'), doctor.sign(msg))).toBe(false);
  });

  it('refuses an identity of an unknown MSP', async () => {
    const other = await identity(ca1, 'StrangerMSP', { cn: 'x', ous: ['client'] });
    expect(() => mgr.deserializeIdentity(other.serialized)).toThrow(
      'MSP StrangerMSP is not defined on channel',
    );
  });

  it('refuses a certificate issued by another organisation’s CA (foreign certificate)', async () => {
    // As Fabric's MSP: not deserialized at all (the endorser then says "creator org unknown").
    const foreign = await identity(ca2, 'Hospital1MSP', { cn: 'spy', ous: ['client'] });
    expect(() => mgr.deserializeIdentity(foreign.serialized)).toThrow(
      /certificate signed by unknown authority/,
    );
    // An expired certificate of the MSP's own CA still deserializes (expiry is checked later).
    const expired = await identity(ca1, 'Hospital1MSP', {
      cn: 'old',
      ous: ['client'],
      notBefore: new Date(Date.now() - 2 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
    });
    expect(mgr.deserializeIdentity(expired.serialized).isExpired()).toBe(true);
  });

  it('refuses to build an MSP whose CA certificate has no Subject Key Identifier, as Fabric does', async () => {
    const bare = await createCa('bare', { subjectKeyIdentifier: false });
    const serial = BigInt('0x' + bare.cert.serialNumber).toString(16);
    expect(() => mspOf('BareMSP', bare)).toThrow(
      `MSP BareMSP: CA Certificate problem with Subject Key Identifier extension, (SN: ${serial}): subjectKeyIdentifier not found in certificate`,
    );
    expect(() => mspOf('WithSkiMSP', ca1)).not.toThrow();
  });

  it('refuses a CA certificate as an identity', async () => {
    const { pem } = await issue(ca1, { cn: 'sub', ous: ['client'], isCa: true });
    expect(() => mgr.deserializeIdentity(serialize('Hospital1MSP', pem)).validate()).toThrow(
      /Certificate Authority/,
    );
  });

  it('needs exactly one NodeOU', async () => {
    const none = await identity(ca1, 'Hospital1MSP', { cn: 'n', ous: ['hospital1'] });
    expect(() => mgr.deserializeIdentity(none.serialized).validate()).toThrow(
      /does not have an OU that resolves/,
    );
    const two = await identity(ca1, 'Hospital1MSP', { cn: 't', ous: ['client', 'peer'] });
    expect(() => mgr.deserializeIdentity(two.serialized).validate()).toThrow(/not a combination/);
  });

  it('reports expiry separately from validity, as Fabric does', async () => {
    const old = await identity(ca1, 'Hospital1MSP', {
      cn: 'old',
      ous: ['client'],
      notBefore: new Date(Date.now() - 10 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
    });
    const id = mgr.deserializeIdentity(old.serialized);
    expect(id.isExpired()).toBe(true);
    expect(() => id.validate()).not.toThrow();
  });

  it('classifies roles for principals', async () => {
    const peer = mgr.deserializeIdentity(
      (await identity(ca1, 'Hospital1MSP', { cn: 'peer0', ous: ['peer'] })).serialized,
    );
    const admin = mgr.deserializeIdentity(
      (await identity(ca1, 'Hospital1MSP', { cn: 'admin', ous: ['admin'] })).serialized,
    );
    expect(() => satisfiesRole(peer, { mspId: 'Hospital1MSP', role: 'peer' })).not.toThrow();
    expect(() => satisfiesRole(peer, { mspId: 'Hospital1MSP', role: 'member' })).not.toThrow();
    expect(() => satisfiesRole(peer, { mspId: 'Hospital1MSP', role: 'admin' })).toThrow(MspError);
    expect(() => satisfiesRole(peer, { mspId: 'Hospital2MSP', role: 'peer' })).toThrow(
      /different MSP/,
    );
    expect(() => satisfiesRole(admin, { mspId: 'Hospital1MSP', role: 'admin' })).not.toThrow();
    expect(() => satisfiesRole(admin, { mspId: 'Hospital1MSP', role: 'client' })).toThrow(
      /does not contain OU/,
    );
  });

  it('signs low-S and refuses high-S signatures', async () => {
    const c = await identity(ca1, 'Hospital1MSP', { cn: 'c', ous: ['client'] });
    const id = mgr.deserializeIdentity(c.serialized);
    const msg = Buffer.from('x');
    for (let i = 0; i < 20; i++) {
      const sig = c.sign(msg);
      expect(isLowS(parseEcdsaSignature(sig).s)).toBe(true);
      expect(id.verify(msg, sig)).toBe(true);
      expect(id.verify(msg, toHighS(sig))).toBe(false);
    }
    expect(signLowS).toBeDefined();
  });

  it('verifies off the main thread with the same answers, and trusts only its own key’s signatures', async () => {
    const c = await identity(ca1, 'Hospital1MSP', { cn: 'async', ous: ['client'] });
    const id = mgr.deserializeIdentity(c.serialized);
    const msg = Buffer.from('payload');
    const other = await identity(ca1, 'Hospital1MSP', { cn: 'other', ous: ['client'] });
    // Each case twice: the second answer comes from what the first computed.
    for (let round = 0; round < 2; round++) {
      const sig = await c.signAsync(msg);
      expect(isLowS(parseEcdsaSignature(sig).s)).toBe(true);
      expect(await id.verifyAsync(msg, sig)).toBe(true);
      expect(await id.verifyAsync(Buffer.from('other'), sig)).toBe(false);
      expect(await id.verifyAsync(msg, toHighS(sig))).toBe(false);
      expect(await id.verifyAsync(msg, Buffer.from('30060201010201ff', 'hex'))).toBe(false);
      expect(await id.verifyAsync(msg, other.sign(msg))).toBe(false);
    }
    // A signing identity whose key is not its certificate's: its signatures are checked, not trusted.
    const impostor = new SigningIdentity(
      'Hospital1MSP',
      c.certPem,
      (await issue(ca1, { cn: 'x', ous: ['client'] })).key,
    );
    expect(await id.verifyAsync(msg, await impostor.signAsync(msg))).toBe(false);
  });

  it('checks that a serialized identity is well formed', async () => {
    const c = await identity(ca1, 'Hospital1MSP', { cn: 'w', ous: ['client'] });
    expect(() => mgr.isWellFormed(c.serialized)).not.toThrow();
    const trailing = serialize('Hospital1MSP', Buffer.concat([c.certPem, Buffer.from('junk')]));
    expect(() => mgr.isWellFormed(trailing)).toThrow(/trailing bytes/);
  });

  it('refuses a certificate its CA revoked (CRL in the MSP), ignores a CRL of another CA', async () => {
    const revoked = await identity(ca1, 'Hospital1MSP', { cn: 'gone', ous: ['client'] });
    const kept = await identity(ca1, 'Hospital1MSP', { cn: 'kept', ous: ['client'] });
    const config = mspConfig('Hospital1MSP', ca1);
    const foreign = await crl(ca2, [kept.certPem]);
    config.setRevocationListList([
      Buffer.from(
        `-----BEGIN X509 CRL-----\n${(await crl(ca1, [revoked.certPem])).toString('base64')}\n-----END X509 CRL-----\n`,
      ),
      foreign,
    ]);
    const withCrl = new MspManager([Msp.fromFabricMspConfig(config)]);
    expect(() => withCrl.deserializeIdentity(revoked.serialized).validate()).toThrow(
      /The certificate has been revoked/,
    );
    expect(() => withCrl.deserializeIdentity(kept.serialized).validate()).not.toThrow();
  });
});
