import { MspManager, type SigningIdentity } from '../src/msp';
import {
  evaluateSignedData,
  ImplicitMetaPolicy,
  parseSignaturePolicy,
  PolicyParseError,
  SignaturePolicy,
  signaturePolicyToString,
  validIdentities,
  type SignedData,
} from '../src/policies';
import { createCa, identity, mspOf } from './fixtures/pki';

const msg = Buffer.from('proposal response payload');
const signed = (s: SigningIdentity, data = msg): SignedData => ({
  data,
  identity: s.serialized,
  signature: s.sign(data),
});

describe('policies', () => {
  let mgr: MspManager;
  let peer1: SigningIdentity,
    peer1b: SigningIdentity,
    peer2: SigningIdentity,
    client1: SigningIdentity;
  let admin1: SigningIdentity, admin2: SigningIdentity, admin3: SigningIdentity;

  beforeAll(async () => {
    const [ca1, ca2, ca3] = await Promise.all([createCa('h1'), createCa('h2'), createCa('h3')]);
    mgr = new MspManager([
      mspOf('Hospital1MSP', ca1),
      mspOf('Hospital2MSP', ca2),
      mspOf('Hospital3MSP', ca3),
    ]);
    peer1 = await identity(ca1, 'Hospital1MSP', { cn: 'peer0', ous: ['peer'] });
    peer1b = await identity(ca1, 'Hospital1MSP', { cn: 'peer1', ous: ['peer'] });
    peer2 = await identity(ca2, 'Hospital2MSP', { cn: 'peer0', ous: ['peer'] });
    client1 = await identity(ca1, 'Hospital1MSP', { cn: 'user', ous: ['client'] });
    admin1 = await identity(ca1, 'Hospital1MSP', { cn: 'admin', ous: ['admin'] });
    admin2 = await identity(ca2, 'Hospital2MSP', { cn: 'admin', ous: ['admin'] });
    admin3 = await identity(ca3, 'Hospital3MSP', { cn: 'admin', ous: ['admin'] });
  });

  it('parses the DSL into Fabric’s envelope (one principal per occurrence)', () => {
    const env = parseSignaturePolicy(
      "AND('Hospital1MSP.peer', OR('Hospital2MSP.peer', \"Hospital2MSP.admin\"))",
    );
    expect(env.getIdentitiesList()).toHaveLength(3);
    expect(signaturePolicyToString(env)).toBe(
      "OutOf(2, 'Hospital1MSP.peer', OutOf(1, 'Hospital2MSP.peer', 'Hospital2MSP.admin'))",
    );
    expect(signaturePolicyToString(parseSignaturePolicy("OutOf(1, 'A.member', 'B.member')"))).toBe(
      "OutOf(1, 'A.member', 'B.member')",
    );
    expect(() => parseSignaturePolicy("AND('Hospital1MSP.nurse')")).toThrow(PolicyParseError);
    expect(() => parseSignaturePolicy("XOR('A.peer')")).toThrow(/unrecognized token/);
    expect(() => parseSignaturePolicy("OutOf(4, 'A.peer', 'B.peer')")).toThrow(/t-out-of-n/);
  });

  it('AND of both hospitals’ peers needs both endorsements', () => {
    const p = SignaturePolicy.parse("AND('Hospital1MSP.peer','Hospital2MSP.peer')");
    expect(evaluateSignedData(p, [signed(peer1), signed(peer2)], mgr)).toBe(true);
    expect(evaluateSignedData(p, [signed(peer1)], mgr)).toBe(false);
    expect(evaluateSignedData(p, [signed(peer1), signed(peer1b)], mgr)).toBe(false);
    expect(evaluateSignedData(p, [signed(peer1), signed(client1)], mgr)).toBe(false);
  });

  it('ignores forged signatures and counts a signer once', () => {
    const p = SignaturePolicy.parse("AND('Hospital1MSP.peer','Hospital2MSP.peer')");
    const forged = { ...signed(peer2), data: Buffer.from('something else') };
    expect(evaluateSignedData(p, [signed(peer1), forged], mgr)).toBe(false);
    const twice = SignaturePolicy.parse("AND('Hospital1MSP.peer','Hospital1MSP.peer')");
    expect(evaluateSignedData(twice, [signed(peer1), signed(peer1)], mgr)).toBe(false);
    expect(evaluateSignedData(twice, [signed(peer1), signed(peer1b)], mgr)).toBe(true);
    expect(validIdentities([signed(peer1), signed(peer1)], mgr)).toHaveLength(1);
  });

  it('OutOf counts distinct satisfied rules', () => {
    const p = SignaturePolicy.parse(
      "OutOf(2, 'Hospital1MSP.member', 'Hospital2MSP.member', 'Hospital3MSP.member')",
    );
    expect(evaluateSignedData(p, [signed(client1), signed(admin3)], mgr)).toBe(true);
    expect(evaluateSignedData(p, [signed(client1), signed(peer1)], mgr)).toBe(false);
  });

  it('implicit meta MAJORITY / ANY / ALL over the organisations’ Admins', () => {
    const admins = ['Hospital1MSP', 'Hospital2MSP', 'Hospital3MSP'].map((m) =>
      SignaturePolicy.parse(`OR('${m}.admin')`),
    );
    const majority = new ImplicitMetaPolicy('MAJORITY', 'Admins', admins);
    const ids = (...s: SigningIdentity[]) =>
      validIdentities(
        s.map((x) => signed(x)),
        mgr,
      );
    expect(majority.evaluateIdentities(ids(admin1))).toBe(false);
    expect(majority.evaluateIdentities(ids(admin1, admin2))).toBe(true);
    expect(majority.evaluateIdentities(ids(admin1, peer2))).toBe(false);
    expect(new ImplicitMetaPolicy('ANY', 'Admins', admins).evaluateIdentities(ids(admin3))).toBe(
      true,
    );
    expect(
      new ImplicitMetaPolicy('ALL', 'Admins', admins).evaluateIdentities(ids(admin1, admin2)),
    ).toBe(false);
    expect(
      new ImplicitMetaPolicy('MAJORITY', 'Admins', admins.slice(0, 2)).evaluateIdentities(
        ids(admin1),
      ),
    ).toBe(false);
  });
});
