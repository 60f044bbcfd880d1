// Enrols the identities the system needs from an organisation's CA and lays them out as Fabric
// MSP folders (layout.ts). Idempotent: an identity whose files exist is left alone, so a restart
// keeps certificates; deleting an identity's folder makes the next start enrol it again.
import { randomBytes, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Network, Organization } from '../config';
import { orgPaths, type IdentityPaths } from '../layout';
import { writePrivateFile } from '../services/secret-file';
import {
  FabricCaClient,
  FabricCaError,
  type CaAttribute,
  type CaIdentity,
  type Enrollment,
  type IdentityType,
} from './client';
import { REGISTRAR_ID, caHost, registrarPassword } from './server-config';

/** A client for an organisation's CA, trusting that CA's root for TLS. */
export function caClient(net: Network, org: Organization): FabricCaClient {
  return new FabricCaClient({
    url: `https://127.0.0.1:${org.ca.port}`,
    tlsRootCert: readFileSync(orgPaths(net, org).caCert),
  });
}

const pem = (key: CaIdentity['privateKey']) =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Reads an identity written by this module (signcerts/cert.pem and keystore/key.pem). */
export function loadIdentity(paths: IdentityPaths): CaIdentity {
  return {
    certificate: readFileSync(paths.signCert, 'utf8'),
    privateKey: createPrivateKey(readFileSync(paths.privateKey)),
  };
}

/** NodeOUs: the CA writes the identity type into the OU, which Fabric maps to MSP roles. */
function nodeOusConfig(): string {
  const ou = (name: string) =>
    `    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: ${name}\n`;
  return (
    'NodeOUs:\n  Enable: true\n' +
    `  ClientOUIdentifier:\n${ou('client')}` +
    `  PeerOUIdentifier:\n${ou('peer')}` +
    `  AdminOUIdentifier:\n${ou('admin')}` +
    `  OrdererOUIdentifier:\n${ou('orderer')}`
  );
}

/** cacerts/, tlscacerts/ and config.yaml: the public part of an MSP folder. */
function writeMspSkeleton(msp: string, caCert: string): void {
  for (const sub of ['cacerts', 'tlscacerts']) {
    mkdirSync(join(msp, sub), { recursive: true });
    writeFileSync(join(msp, sub, 'ca.pem'), caCert);
  }
  writeFileSync(join(msp, 'config.yaml'), nodeOusConfig());
}

function writeEnrollment(paths: IdentityPaths, e: Enrollment, caCert: string): void {
  writeMspSkeleton(paths.msp, caCert);
  mkdirSync(join(paths.msp, 'signcerts'), { recursive: true });
  writeFileSync(paths.signCert, e.certificate);
  writePrivateFile(paths.privateKey, pem(e.privateKey));
}

function writeTls(paths: IdentityPaths, e: Enrollment, caCert: string): void {
  mkdirSync(paths.tls, { recursive: true });
  writeFileSync(paths.tlsCert, e.certificate);
  writeFileSync(paths.tlsCa, caCert);
  writePrivateFile(paths.tlsKey, pem(e.privateKey));
}

/** The bootstrap registrar, enrolled once and kept in the CA's home (key 0600). */
export async function registrar(net: Network, org: Organization): Promise<CaIdentity> {
  const dir = join(orgPaths(net, org).caHome, 'registrar');
  const paths = {
    signCert: join(dir, 'cert.pem'),
    privateKey: join(dir, 'key.pem'),
  } as IdentityPaths;
  if (existsSync(paths.signCert) && existsSync(paths.privateKey)) return loadIdentity(paths);
  const e = await caClient(net, org).enroll({
    enrollmentId: REGISTRAR_ID,
    secret: registrarPassword(net, org),
  });
  writePrivateFile(paths.privateKey, pem(e.privateKey));
  writeFileSync(paths.signCert, e.certificate);
  return e;
}

interface ServiceIdentity {
  id: string;
  type: IdentityType;
  paths: IdentityPaths;
  /** Enrol an enrolment certificate into paths.msp (default true). */
  ecert?: boolean;
  /** Enrol a TLS certificate into paths.tls for these hosts. */
  tlsHosts?: string[];
  attributes?: CaAttribute[];
}

/**
 * Registers (or, when already registered, re-keys with a fresh secret) and enrols one identity.
 * The secret is random and forgotten: only the enrolled key can act as this identity.
 */
async function enrollServiceIdentity(
  client: FabricCaClient,
  reg: CaIdentity,
  caCert: string,
  s: ServiceIdentity,
): Promise<boolean> {
  // Only what is missing: an identity that gained a TLS certificate keeps its enrolment certificate.
  const wantEcert =
    (s.ecert ?? true) && !(existsSync(s.paths.signCert) && existsSync(s.paths.privateKey));
  const wantTls = !!s.tlsHosts && !(existsSync(s.paths.tlsCert) && existsSync(s.paths.tlsKey));
  if (!wantEcert && !wantTls) return false;
  const secret = randomBytes(24).toString('base64url');
  try {
    await client.register(reg, {
      enrollmentId: s.id,
      type: s.type,
      secret,
      maxEnrollments: -1,
      attributes: s.attributes,
    });
  } catch (e) {
    if (!(e instanceof FabricCaError && /already registered/i.test(e.message))) throw e;
    await client.setSecret(reg, s.id, secret);
  }
  if (wantEcert)
    writeEnrollment(s.paths, await client.enroll({ enrollmentId: s.id, secret }), caCert);
  if (wantTls) {
    writeTls(
      s.paths,
      await client.enroll({ enrollmentId: s.id, secret, profile: 'tls', hosts: s.tlsHosts }),
      caCert,
    );
  }
  return true;
}

/** Attributes the gateway may give the users it registers (see DESIGN.md: identity). */
export const USER_ATTRIBUTES = ['role', 'uid', 'govId'] as const;

/**
 * The organisation's MSP folder and its service identities: admin, peer0 or orderer0, and for
 * hospitals the chaincode server's TLS identity and the gateway's registrar identity (with a TLS
 * certificate for the gateways' federation port).
 * Returns the ids that were enrolled now.
 */
export async function bootstrapOrgIdentities(net: Network, org: Organization): Promise<string[]> {
  const paths = orgPaths(net, org);
  const caCert = readFileSync(paths.caCert, 'utf8');
  writeMspSkeleton(paths.msp, caCert);
  const client = caClient(net, org);
  const reg = await registrar(net, org);
  const hosts = (name: string) => ['127.0.0.1', 'localhost', `${name}.${org.domain}`];
  // The orderer organisation's admin also gets a TLS client certificate: osnadmin authenticates
  // with it to the orderers' channel participation (admin) endpoint, which requires mutual TLS.
  const adminTls = org.type === 'orderer' ? { tlsHosts: ['localhost'] } : {};
  const wanted: ServiceIdentity[] = [
    { id: 'admin', type: 'admin', paths: paths.admin, ...adminTls },
  ];
  if (paths.peer)
    wanted.push({ id: 'peer0', type: 'peer', paths: paths.peer, tlsHosts: hosts('peer0') });
  if (paths.orderer) {
    wanted.push({
      id: 'orderer0',
      type: 'orderer',
      paths: paths.orderer,
      tlsHosts: hosts('orderer0'),
    });
  }
  paths.extraOrderers.forEach((p, i) => {
    const id = `orderer${i + 1}`;
    wanted.push({ id, type: 'orderer', paths: p, tlsHosts: hosts(id) });
  });
  if (paths.chaincodeServer) {
    wanted.push({
      id: 'chaincode',
      type: 'client',
      paths: paths.chaincodeServer,
      ecert: false,
      tlsHosts: hosts('chaincode'),
    });
  }
  if (paths.gatewayService) {
    wanted.push({
      id: 'gateway',
      type: 'client',
      paths: paths.gatewayService,
      attributes: [
        // The gateway enrols the hospital's people: client identities carrying these attributes
        // (admin identities for its admins, who sign channel changes as the organisation's
        // admins), and may revoke them (account closed, key compromised). Nothing else.
        { name: 'hf.Registrar.Roles', value: 'client,admin' },
        { name: 'hf.Registrar.Attributes', value: USER_ATTRIBUTES.join(',') },
        { name: 'hf.Revoker', value: 'true' },
      ],
      // Its TLS certificate (server and client auth) serves the federation port and calls the
      // other members' gateways there (gateway/src/directory/federation).
      tlsHosts: hosts('gateway'),
    });
  }
  const enrolled: string[] = [];
  for (const s of wanted)
    if (await enrollServiceIdentity(client, reg, caCert, s)) enrolled.push(s.id);
  return enrolled;
}

/** For messages and tests: the CA's host name as it appears in its certificate. */
export { caHost };
