// Where every organisation's crypto material and every service's data live under the data
// directory. The CA bootstrap writes this layout; devnet, real Fabric, chaincode servers, gateways
// and tests read it. The MSP folders follow Fabric's standard layout (NodeOUs in config.yaml).
import { join } from 'node:path';
import type { Network, Organization } from './config';

/** A Fabric identity's local MSP and TLS folders. */
export interface IdentityPaths {
  /** msp/ with signcerts/cert.pem, keystore/key.pem, cacerts/, tlscacerts/, config.yaml */
  msp: string;
  signCert: string;
  privateKey: string;
  /** tls/ with server.crt, server.key, ca.crt (TLS CA root) */
  tls: string;
  tlsCert: string;
  tlsKey: string;
  tlsCa: string;
}

export interface OrgPaths {
  /** Home of this organisation's fabric-ca-server (ca-cert.pem, tls-cert.pem, db). */
  caHome: string;
  /** The CA's root certificate (signs enrolment certificates). */
  caCert: string;
  /** The CA server's TLS certificate (clients of the CA trust this). */
  caTlsCert: string;
  /** The organisation's channel MSP: cacerts/, tlscacerts/, config.yaml (NodeOUs), admincerts none. */
  msp: string;
  /** The organisation's admin identity (role admin, NodeOU admin). */
  admin: IdentityPaths;
  /** peer0 of a hospital; undefined for the orderer organisation. */
  peer?: IdentityPaths;
  /** orderer0 of the orderer organisation. */
  orderer?: IdentityPaths;
  /** orderer1, orderer2, ...: the organisation's `extraOrderers` (Raft replicas on real Fabric). */
  extraOrderers: IdentityPaths[];
  /** The chaincode server's TLS identity (hospitals). */
  chaincodeServer?: IdentityPaths;
  /** The gateway's service identity (a client identity used for enrolling users; hospitals). */
  gatewayService?: IdentityPaths;
}

function identity(dir: string): IdentityPaths {
  const msp = join(dir, 'msp');
  const tls = join(dir, 'tls');
  return {
    msp,
    signCert: join(msp, 'signcerts', 'cert.pem'),
    privateKey: join(msp, 'keystore', 'key.pem'),
    tls,
    tlsCert: join(tls, 'server.crt'),
    tlsKey: join(tls, 'server.key'),
    tlsCa: join(tls, 'ca.crt'),
  };
}

export function orgPaths(net: Network, org: Organization): OrgPaths {
  const root = join(net.dataDir, 'orgs', org.name);
  const caHome = join(net.dataDir, 'ca', org.name);
  return {
    caHome,
    caCert: join(caHome, 'ca-cert.pem'),
    caTlsCert: join(caHome, 'tls-cert.pem'),
    msp: join(root, 'msp'),
    admin: identity(join(root, 'users', 'admin')),
    peer: org.type === 'hospital' ? identity(join(root, 'peers', 'peer0')) : undefined,
    orderer: org.type === 'orderer' ? identity(join(root, 'orderers', 'orderer0')) : undefined,
    extraOrderers: (org.extraOrderers ?? []).map((_, i) =>
      identity(join(root, 'orderers', `orderer${i + 1}`)),
    ),
    chaincodeServer: org.type === 'hospital' ? identity(join(root, 'chaincode')) : undefined,
    gatewayService: org.type === 'hospital' ? identity(join(root, 'users', 'gateway')) : undefined,
  };
}

/** Per-service data folders and logs. */
export const dataPaths = (net: Network) => ({
  logs: join(net.dataDir, 'logs'),
  supervisor: join(net.dataDir, 'supervisor'),
  postgres: join(net.dataDir, 'postgres'),
  anvil: join(net.dataDir, 'anvil'),
  devnet: join(net.dataDir, 'devnet'),
  fabric: join(net.dataDir, 'fabric'),
  ipfs: (org: Organization) => join(net.dataDir, 'ipfs', org.name, 'kubo'),
  cluster: (org: Organization) => join(net.dataDir, 'ipfs', org.name, 'cluster'),
  gateway: (org: Organization) => join(net.dataDir, 'gateway', org.name),
});
