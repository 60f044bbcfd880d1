// Throwaway certificates in the data directory's MSP layout (network/src/layout.ts), written the
// way the CA bootstrap writes them (one root per organisation, NodeOUs in config.yaml, TLS
// certificates for 127.0.0.1). For tests and benchmarks of the ledger that run without the
// Fabric CAs; `npm start` always uses the real CAs. Never use these identities for real data.
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { orgPaths, type IdentityPaths, type Network, type Organization } from '@ehr/network';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
let serial = 1;

export interface Ca {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  pem: string;
}

/** A self-signed root CA for `org` (also: a CA outside the consortium, for refusal tests). */
export async function createCa(org: Pick<Organization, 'name' | 'domain'>): Promise<Ca> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: `CN=ca.${org.domain},O=${org.name}`,
    notBefore: new Date(Date.now() - 86400_000),
    notAfter: new Date(Date.now() + 365 * 86400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      // Fabric's MSP refuses a CA certificate without one ("subjectKeyIdentifier not found").
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, pem: cert.toString('pem') + '\n' };
}

/** A certificate `ca` signs for `cn` (with `tls`: server and client auth for 127.0.0.1). */
export async function issue(
  ca: Ca,
  cn: string,
  ou: string,
  tls: boolean,
): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  ];
  if (tls) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    );
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: `CN=${cn},OU=${ou}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * 86400_000),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: alg,
    extensions,
  });
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { cert: cert.toString('pem') + '\n', key };
}

const NODE_OUS =
  'NodeOUs:\n  Enable: true\n' +
  ['Client', 'Peer', 'Admin', 'Orderer']
    .map(
      (r) =>
        `  ${r}OUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: ${r.toLowerCase()}\n`,
    )
    .join('');

function write(file: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content, { mode });
}

function writeMsp(dir: string, ca: Ca): void {
  write(join(dir, 'cacerts', 'ca.pem'), ca.pem);
  write(join(dir, 'tlscacerts', 'ca.pem'), ca.pem);
  write(join(dir, 'config.yaml'), NODE_OUS);
}

async function writeIdentity(paths: IdentityPaths, ca: Ca, cn: string, ou: string): Promise<void> {
  writeMsp(paths.msp, ca);
  const signing = await issue(ca, cn, ou, false);
  write(paths.signCert, signing.cert);
  write(paths.privateKey, signing.key, 0o600);
  const tls = await issue(ca, cn, ou, true);
  write(paths.tlsCert, tls.cert);
  write(paths.tlsKey, tls.key, 0o600);
  write(paths.tlsCa, ca.pem);
}

/**
 * Writes every organisation's (and candidate's) MSP and its admin, orderers (orderer0 and the
 * further Raft consenters), peer0 and gateway identities.
 */
export async function writeDevPki(net: Network): Promise<void> {
  for (const org of [...net.organizations, ...net.candidateHospitals]) {
    const ca = await createCa(org);
    const paths = orgPaths(net, org);
    write(paths.caCert, ca.pem);
    write(paths.caTlsCert, ca.pem);
    writeMsp(paths.msp, ca);
    await writeIdentity(paths.admin, ca, `admin.${org.domain}`, 'admin');
    if (paths.orderer) await writeIdentity(paths.orderer, ca, `orderer0.${org.domain}`, 'orderer');
    for (const [i, extra] of paths.extraOrderers.entries())
      await writeIdentity(extra, ca, `orderer${i + 1}.${org.domain}`, 'orderer');
    if (paths.peer) await writeIdentity(paths.peer, ca, `peer0.${org.domain}`, 'peer');
    if (paths.gatewayService)
      await writeIdentity(paths.gatewayService, ca, `gateway.${org.domain}`, 'client');
    if (paths.chaincodeServer)
      await writeIdentity(paths.chaincodeServer, ca, `chaincode.${org.domain}`, 'peer');
  }
}
