// One fabric-ca-server per organisation (TLS on, loopback only, registry in PostgreSQL). After its
// first healthy start the organisation's MSP and service identities are enrolled.
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Network, Organization } from '../config';
import { orgPaths } from '../layout';
import { ensureDatabase, POSTGRES_SERVICE } from '../postgres';
import { goBinary } from '../services/go-binaries';
import type { ServiceDefinition } from '../services/service';
import { bootstrapOrgIdentities, caClient } from './identities';
import { caDatabase, writeServerConfig } from './server-config';

export const caServiceName = (org: Organization) => `ca-${org.name.toLowerCase()}`;

export function caService(net: Network, org: Organization): ServiceDefinition {
  const home = orgPaths(net, org).caHome;
  return {
    name: caServiceName(org),
    dependsOn: [POSTGRES_SERVICE],
    async prepare() {
      mkdirSync(home, { recursive: true, mode: 0o700 });
      await ensureDatabase(net, caDatabase(org), { createdb: true });
      writeServerConfig(net, org);
    },
    process: () => ({
      command: goBinary(net, 'fabric-ca-server'),
      args: ['start', '--home', home],
      cwd: home,
    }),
    async healthy() {
      try {
        await caClient(net, org).info(); // TLS verified against the CA's root
        return true;
      } catch {
        return false;
      }
    },
    summary: () => [
      `${org.name} CA  https://127.0.0.1:${org.ca.port}  root ${orgPaths(net, org).caCert}  MSP ${orgPaths(net, org).msp}`,
    ],
    async afterStart() {
      // fabric-ca-server leaves its Idemix issuer keys readable by everyone: owner only.
      const keystore = join(home, 'msp', 'keystore');
      for (const f of readdirSync(keystore)) chmodSync(join(keystore, f), 0o600);
      await bootstrapOrgIdentities(net, org);
    },
  };
}

/** A CA service for every organisation of the network. */
export const caServices = (net: Network) => net.organizations.map((org) => caService(net, org));
