// fabric-ca-server's configuration for one organisation, written into its home folder (0600: it
// holds the registrar's password and the database password). Regenerated on each start from
// network.yaml and the stored secrets, so it always matches them.
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Network, Organization } from '../config';
import { orgPaths } from '../layout';
import { libpqDatasource } from '../postgres';
import { persistentSecret, writePrivateFile } from '../services/secret-file';

/** The bootstrap registrar's enrolment id (its password: registrarPassword()). */
export const REGISTRAR_ID = 'registrar';

export const caName = (org: Organization) => `ca-${org.name.toLowerCase()}`;
export const caDatabase = (org: Organization) => `fabric_ca_${org.name.toLowerCase()}`;
export const caHost = (org: Organization) => `ca.${org.domain}`;

/** The registrar's password: generated once, kept in the CA's home with mode 0600. */
export function registrarPassword(net: Network, org: Organization): string {
  return persistentSecret(join(orgPaths(net, org).caHome, 'registrar-password'));
}

export function serverConfig(net: Network, org: Organization): Record<string, unknown> {
  return {
    version: '1.5.15',
    address: '127.0.0.1',
    port: org.ca.port,
    cors: { enabled: false },
    debug: false,
    crlsizelimit: 512000,
    // No certfile/keyfile: the server issues its own TLS certificate from its CA for csr.hosts.
    tls: { enabled: true, clientauth: { type: 'noclientcert' } },
    ca: { name: caName(org) },
    crl: { expiry: '24h' },
    registry: {
      // Per identity at registration; people get 1 (a lost key needs an admin), services more.
      maxenrollments: -1,
      identities: [
        {
          name: REGISTRAR_ID,
          pass: registrarPassword(net, org),
          type: 'client',
          affiliation: '',
          attrs: {
            'hf.Registrar.Roles': '*',
            'hf.Registrar.DelegateRoles': '*',
            'hf.Registrar.Attributes': '*',
            'hf.Revoker': true,
            'hf.GenCRL': true,
            'hf.IntermediateCA': false,
            'hf.AffiliationMgr': true,
          },
        },
      ],
    },
    // The binaries are built without cgo (no SQLite): the CA keeps its registry in PostgreSQL.
    db: {
      type: 'postgres',
      datasource: libpqDatasource(net, caDatabase(org)),
      tls: { enabled: false },
    },
    ldap: { enabled: false },
    affiliations: { [org.name.toLowerCase()]: [] },
    signing: {
      default: { usage: ['digital signature'], expiry: '8760h' },
      profiles: {
        tls: {
          usage: ['signing', 'key encipherment', 'server auth', 'client auth', 'key agreement'],
          expiry: '8760h',
        },
      },
    },
    csr: {
      cn: caHost(org),
      keyrequest: { algo: 'ecdsa', size: 256 },
      names: [{ O: org.name, OU: org.mspId }],
      hosts: ['localhost', '127.0.0.1', caHost(org)],
      ca: { expiry: '131400h', pathlength: 1 },
    },
    bccsp: {
      default: 'SW',
      sw: { hash: 'SHA2', security: 256, filekeystore: { keystore: 'msp/keystore' } },
    },
    cfg: { identities: { passwordattempts: 10, allowremove: false } },
    // The operations endpoint is not used; port 0 keeps several CAs (and devnet) from colliding.
    operations: { listenAddress: '127.0.0.1:0', tls: { enabled: false } },
    metrics: { provider: 'disabled' },
  };
}

export function writeServerConfig(net: Network, org: Organization): string {
  const file = join(orgPaths(net, org).caHome, 'fabric-ca-server-config.yaml');
  writePrivateFile(file, stringify(serverConfig(net, org)));
  return file;
}
