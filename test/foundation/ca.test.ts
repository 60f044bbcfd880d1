// Every organisation's real fabric-ca-server issues certificates that verify against its root,
// carry the requested attributes and NodeOU; TLS to a CA is verified; the service identities and
// MSP folders exist with private keys readable by their owner only.
import { X509Certificate, randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import {
  FabricCaClient,
  FabricCaError,
  certificateAttributes,
  loadIdentity,
  orgPaths,
  caClient,
} from '@ehr/network';
import { enrollTestUser, testNetwork } from '../support';

const net = testNetwork();

describe.each(net.organizations.map((o) => [o.name, o] as const))('CA of %s', (_name, org) => {
  const paths = orgPaths(net, org);
  const root = new X509Certificate(readFileSync(paths.caCert));

  it('issues a certificate that verifies against its root and carries role, uid and govId', async () => {
    const user = await enrollTestUser(net, org, {
      role: 'doctor',
      uid: 'doc-42',
      govId: 'GOV-123',
    });
    const cert = new X509Certificate(user.certificate);
    expect(cert.verify(root.publicKey)).toBe(true);
    expect(cert.checkIssued(root)).toBe(true);
    expect(certificateAttributes(user.certificate)).toMatchObject({
      role: 'doctor',
      uid: 'doc-42',
      govId: 'GOV-123',
    });
    expect(cert.subject).toContain('OU=client');
    expect(cert.subject).toContain(`CN=${user.enrollmentId}`);
    // The returned key is the certificate's key.
    expect(cert.checkPrivateKey(user.privateKey)).toBe(true);
    // Another organisation's root does not verify it.
    const other = net.organizations.find((o) => o.name !== org.name)!;
    const otherRoot = new X509Certificate(readFileSync(orgPaths(net, other).caCert));
    expect(cert.verify(otherRoot.publicKey)).toBe(false);
  });

  it('refuses a client that trusts another root for TLS', async () => {
    const other = net.organizations.find((o) => o.name !== org.name)!;
    const client = new FabricCaClient({
      url: `https://127.0.0.1:${org.ca.port}`,
      tlsRootCert: readFileSync(orgPaths(net, other).caCert),
    });
    await expect(client.info()).rejects.toThrow(/certificate/i);
    await expect(caClient(net, org).info()).resolves.toMatchObject({
      caName: `ca-${org.name.toLowerCase()}`,
    });
  });

  it('has its MSP with NodeOUs and the service identities, private keys 0600', () => {
    expect(readFileSync(`${paths.msp}/config.yaml`, 'utf8')).toContain('Enable: true');
    const identities = [paths.admin, paths.peer, paths.orderer, paths.gatewayService].filter(
      (p) => p !== undefined,
    );
    for (const id of identities) {
      const cert = new X509Certificate(readFileSync(id.signCert));
      expect(cert.verify(root.publicKey)).toBe(true);
      expect(statSync(id.privateKey).mode & 0o777).toBe(0o600);
    }
    expect(new X509Certificate(readFileSync(paths.admin.signCert)).subject).toContain('OU=admin');
    const node = paths.peer ?? paths.orderer!;
    const tls = new X509Certificate(readFileSync(node.tlsCert));
    expect(tls.verify(root.publicKey)).toBe(true);
    expect(tls.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(tls.subjectAltName).toContain('DNS:localhost');
    expect(statSync(node.tlsKey).mode & 0o777).toBe(0o600);
  });
});

describe.each(net.hospitals.map((h) => [h.name, h] as const))(
  'gateway identity of %s',
  (_name, org) => {
    const gateway = () => loadIdentity(orgPaths(net, org).gatewayService!);

    it('may register clients with role/uid/govId but not peers or other attributes', async () => {
      const client = caClient(net, org);
      await expect(
        client.register(gateway(), { enrollmentId: `peer-${Date.now()}`, type: 'peer' }),
      ).rejects.toBeInstanceOf(FabricCaError);
      await expect(
        client.register(gateway(), {
          enrollmentId: `x-${Date.now()}`,
          type: 'client',
          attributes: [{ name: 'hf.Registrar.Roles', value: 'client' }],
        }),
      ).rejects.toBeInstanceOf(FabricCaError);
    });

    it('revokes a user: the certificate is listed as revoked and the identity cannot enrol again', async () => {
      const client = caClient(net, org);
      const enrollmentId = `patient-${randomUUID()}`;
      const secret = await client.register(gateway(), {
        enrollmentId,
        type: 'client',
        maxEnrollments: 2,
        attributes: [{ name: 'role', value: 'patient', ecert: true }],
      });
      const e = await client.enroll({ enrollmentId, secret });
      expect(certificateAttributes(e.certificate).role).toBe('patient');
      const serial = new X509Certificate(e.certificate).serialNumber
        .toLowerCase()
        .replace(/^0+/, '');
      const revoked = await client.revoke(gateway(), { enrollmentId, reason: 'keycompromise' });
      expect(revoked.map((r) => r.serial.toLowerCase().replace(/^0+/, ''))).toContain(serial);
      const again = await client.enroll({ enrollmentId, secret }).catch((err: unknown) => err);
      expect(again).toBeInstanceOf(FabricCaError);
      expect((again as FabricCaError).status).toBeGreaterThanOrEqual(400);
      expect((again as FabricCaError).status).toBeLessThan(500);
    });
  },
);
