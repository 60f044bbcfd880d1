// The Fabric side of the anchor: which peer to read blocks from and as whom. By default the
// anchoring member's own peer (devnet's endpoint, or real Fabric's with LEDGER=fabric), trusted
// through the hospital's TLS CA, read as a dedicated `anchor` client identity enrolled from the
// hospital's CA (a client may read blocks, nothing else; no admin or peer key is borrowed).
// An auditor outside the consortium points ANCHOR_PEER, ANCHOR_PEER_TLS_CA, ANCHOR_MSP_ID,
// ANCHOR_CERT and ANCHOR_KEY at a peer and an identity a member gave them.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SigningIdentity } from '@ehr/devnet/dist/src/msp';
import {
  caClient,
  FabricCaError,
  orgPaths,
  registrar,
  type Hospital,
  type Network,
} from '@ehr/network';
import { anchorDataDir } from '../state-files';
import { PeerBlockSource, type FabricIdentity, type PeerEndpoint } from './deliver';

const ANCHOR_ENROLLMENT_ID = 'anchor';

export function memberHospital(net: Network, mspId: string): Hospital {
  const hospital = net.hospitals.find((h) => h.mspId === mspId);
  if (!hospital) throw new Error(`${mspId} is not a hospital of network.yaml`);
  return hospital;
}

function identityDir(net: Network, hospital: Hospital): string {
  return join(anchorDataDir(net), 'identity', hospital.name);
}

/** Enrols (once) the hospital's `anchor` client identity; kept with a 0600 key. */
export async function ensureAnchorIdentity(
  net: Network,
  hospital: Hospital,
): Promise<{ cert: string; key: string }> {
  const dir = identityDir(net, hospital);
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  const client = caClient(net, hospital);
  const reg = await registrar(net, hospital);
  // A random secret, used once and forgotten: only the enrolled key acts as this identity.
  const secret = randomBytes(24).toString('base64url');
  try {
    await client.register(reg, {
      enrollmentId: ANCHOR_ENROLLMENT_ID,
      type: 'client',
      secret,
      maxEnrollments: -1,
    });
  } catch (e) {
    if (!(e instanceof FabricCaError && /already registered/i.test(e.message))) throw e;
    await client.setSecret(reg, ANCHOR_ENROLLMENT_ID, secret);
  }
  const enrollment = await client.enroll({ enrollmentId: ANCHOR_ENROLLMENT_ID, secret });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(key, enrollment.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
    mode: 0o600,
  });
  writeFileSync(cert, enrollment.certificate);
  return { cert, key };
}

function fabricIdentity(id: SigningIdentity): FabricIdentity {
  return {
    mspId: id.mspId,
    certificate: id.certPem.toString('utf8'),
    sign: async (m) => id.sign(m),
  };
}

export interface ReaderConfig {
  endpoint: PeerEndpoint;
  identity: FabricIdentity;
  channel: string;
}

/** Where and as whom to read the channel's blocks, from the environment or the local defaults. */
export async function readerConfig(
  net: Network,
  member: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReaderConfig> {
  const channel = env.ANCHOR_CHANNEL ?? net.channel;
  const external = [
    'ANCHOR_PEER',
    'ANCHOR_PEER_TLS_CA',
    'ANCHOR_MSP_ID',
    'ANCHOR_CERT',
    'ANCHOR_KEY',
  ];
  const given = external.filter((v) => env[v]);
  if (given.length) {
    const missing = external.filter((v) => !env[v]);
    if (missing.length)
      throw new Error(
        `reading blocks from ${env.ANCHOR_PEER ?? 'a peer'} needs ${missing.join(', ')} too`,
      );
    const identity = SigningIdentity.fromFiles(
      env.ANCHOR_MSP_ID as string,
      env.ANCHOR_CERT as string,
      env.ANCHOR_KEY as string,
    );
    return {
      channel,
      endpoint: {
        address: env.ANCHOR_PEER as string,
        tlsCa: readFileSync(env.ANCHOR_PEER_TLS_CA as string),
        ...(env.ANCHOR_PEER_SERVER_NAME ? { serverName: env.ANCHOR_PEER_SERVER_NAME } : {}),
      },
      identity: fabricIdentity(identity),
    };
  }
  const hospital = memberHospital(net, member);
  const { cert, key } = await ensureAnchorIdentity(net, hospital);
  const port =
    (env.LEDGER ?? 'devnet') === 'fabric' ? hospital.peer.fabricPort : hospital.peer.port;
  return {
    channel,
    endpoint: {
      address: `127.0.0.1:${port}`,
      tlsCa: readFileSync(orgPaths(net, hospital).peer!.tlsCa),
    },
    identity: fabricIdentity(SigningIdentity.fromFiles(hospital.mspId, cert, key)),
  };
}

export function openBlockSource(reader: ReaderConfig): PeerBlockSource {
  return new PeerBlockSource(reader.endpoint, reader.channel, reader.identity);
}
