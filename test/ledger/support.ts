// What the ledger conformance suite needs besides test/support: the endpoints (devnet's peer
// ports, or real Fabric's with LEDGER=fabric), the test contract's chaincode servers, and
// identities the CAs will not issue (an expired certificate from an organisation's own CA).
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createPrivateKey,
  createPublicKey,
  KeyObject,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  signers,
  type Contract,
  type Gateway,
  type Signer,
} from '@hyperledger/fabric-gateway';
import {
  orgPaths,
  testChaincodeServerProcess,
  type CaIdentity,
  type Hospital,
  type Network,
} from '@ehr/network';

// Nothing here loads fabric-shim or fabric-contract-api: they bring an older
// @hyperledger/fabric-protos whose google-protobuf classes would replace the client's globally.

export const LEDGER = process.env.LEDGER === 'fabric' ? 'fabric' : 'devnet';

/** The peer endpoint of a hospital: devnet's port, or the real peer's with LEDGER=fabric. */
export function peerAddress(h: Hospital): string {
  return `127.0.0.1:${LEDGER === 'fabric' ? h.peer.fabricPort : h.peer.port}`;
}

x509.cryptoProvider.set(webcrypto as unknown as webcrypto.Crypto);

export function testChaincode(net: Network): { name: string; version: string } {
  if (!net.testChaincode) throw new Error('network.yaml defines no testChaincode');
  return net.testChaincode;
}

/** Fabric Gateway connections for the suite (one gRPC connection per peer), on the test contract. */
export class LedgerClients {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly gateways: Gateway[] = [];

  constructor(private readonly network: Network) {}

  client(h: Hospital): grpc.Client {
    let c = this.clients.get(h.mspId);
    if (!c) {
      const ca = readFileSync(orgPaths(this.network, h).peer!.tlsCa);
      c = new grpc.Client(peerAddress(h), grpc.credentials.createSsl(ca));
      this.clients.set(h.mspId, c);
    }
    return c;
  }

  /** A Gateway for one enrolled person, through their own hospital's peer. */
  gateway(h: Hospital, person: CaIdentity): Gateway {
    return this.raw(h, h.mspId, person.certificate, signers.newPrivateKeySigner(person.privateKey));
  }

  close(): void {
    for (const g of this.gateways) g.close();
    for (const c of this.clients.values()) c.close();
  }

  /** A Gateway for an arbitrary identity and signer (forged or foreign ones included). */
  raw(h: Hospital, mspId: string, certificate: string | Buffer, signer: Signer): Gateway {
    const gw = connect({
      client: this.client(h),
      identity: { mspId, credentials: Buffer.from(certificate) },
      signer,
      hash: hash.sha256,
      evaluateOptions: () => ({ deadline: Date.now() + 30_000 }),
      endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
      submitOptions: () => ({ deadline: Date.now() + 30_000 }),
      commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
    });
    this.gateways.push(gw);
    return gw;
  }

  testContract(gw: Gateway): Contract {
    return gw.getNetwork(this.network.channel).getContract(testChaincode(this.network).name);
  }
}

export const privateKeySigner = (key: KeyObject): Signer => signers.newPrivateKeySigner(key);

function answersTls(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts the test contract's chaincode server of each hospital (fabric-chaincode-node server on
 * chaincodeServer.testPort with the hospital's chaincode TLS identity), unless one answers there
 * already (a real Fabric setup that deployed it). Resolves once every server accepts TLS.
 */
export async function startTestContractServers(net: Network): Promise<{ stop(): Promise<void> }> {
  const cc = testChaincode(net);
  const chaincodeId = process.env.EHR_LEDGERTEST_CHAINCODE_ID ?? `${cc.name}_${cc.version}:devnet`;
  const children: ChildProcess[] = [];
  for (const h of net.hospitals) {
    const port = h.chaincodeServer.testPort;
    if (!port) throw new Error(`${h.name} has no chaincodeServer.testPort`);
    if (await answersTls(port)) continue;
    const server = testChaincodeServerProcess(net, h, chaincodeId);
    const child = spawn(server.command, server.args, {
      env: {
        ...process.env,
        ...server.env,
        NODE_OPTIONS: '',
        CORE_CHAINCODE_LOGGING_LEVEL: 'CRITICAL',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    const deadline = Date.now() + 30_000;
    while (!(await answersTls(port))) {
      if (child.exitCode !== null)
        throw new Error(`test contract server of ${h.name} exited (${child.exitCode})`);
      if (Date.now() > deadline) throw new Error(`test contract server of ${h.name} did not start`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** The organisation CA's own signing key (fabric-ca-server keeps it in its home's keystore). */
function caSigningKey(net: Network, h: Hospital): { cert: X509Certificate; key: KeyObject } {
  const paths = orgPaths(net, h);
  const cert = new X509Certificate(readFileSync(paths.caCert));
  const keystore = join(paths.caHome, 'msp', 'keystore');
  const pub = cert.publicKey.export({ format: 'der', type: 'spki' });
  for (const f of readdirSync(keystore)) {
    let key: KeyObject;
    try {
      key = createPrivateKey(readFileSync(join(keystore, f)));
    } catch {
      continue; // not a key file
    }
    if (createPublicKey(key).export({ format: 'der', type: 'spki' }).equals(pub))
      return { cert, key };
  }
  throw new Error(`no signing key of ${h.name}'s CA in ${keystore}`);
}

/**
 * A client certificate issued by the organisation's own CA key but already expired (a CA will
 * not issue one, so the suite signs it with the CA's key as the CA would have).
 */
export async function expiredIdentity(
  net: Network,
  h: Hospital,
): Promise<{ certificate: string; privateKey: KeyObject }> {
  const ca = caSigningKey(net, h);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    ca.key.export({ format: 'der', type: 'pkcs8' }),
    alg,
    false,
    ['sign'],
  );
  const caCert = new x509.X509Certificate(ca.cert.raw);
  // Valid from just after the CA's own start (chains are checked at the leaf's NotBefore), expired now.
  const notBefore = new Date(caCert.notBefore.getTime() + 1000);
  const notAfter = new Date(Date.now() - 1000);
  if (notAfter <= notBefore)
    throw new Error('the CA is too young to have issued an expired certificate');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Date.now().toString(16),
    subject: `CN=expired-client,OU=client`,
    issuer: caCert.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { certificate: cert.toString('pem'), privateKey: KeyObject.from(keys.privateKey) };
}
