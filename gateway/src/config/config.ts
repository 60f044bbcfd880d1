// The gateway's configuration: everything a hospital's operator may set, validated once at start
// (a wrong value stops the gateway with a clear message instead of failing on first use).
// Ports, MSP ids, channel and chaincode come from network.yaml through @ehr/network.
import { join } from 'node:path';
import { z } from 'zod';
import { dataPaths, type Hospital, type Network, loadNetwork, orgPaths } from '@ehr/network';
import { ensureLocalSecrets } from './secrets';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Environment variables the gateway reads (all optional unless production). */
const envSchema = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  EHR_HOSPITAL: z.string().min(1),
  /** devnet (default) or fabric: only which port of network.yaml the peer listens on differs. */
  LEDGER: z.enum(['devnet', 'fabric']).default('devnet'),
  EHR_PEER_TLS_SERVER_NAME: z.string().optional(),
  EHR_GATEWAY_DATA_DIR: z.string().optional(),
  /** The portal build served under /portal/ (default web/dist/browser of this repository). */
  EHR_PORTAL_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.string().url().optional(),
  EHR_SESSION_SECRET: z.string().min(32).optional(),
  EHR_KEY_CUSTODY_PEPPER: z.string().min(32).optional(),
  EHR_BOOTSTRAP_ADMIN_USERNAME: z.string().min(3).max(64).default('admin'),
  EHR_BOOTSTRAP_ADMIN_PASSWORD: z.string().min(12).optional(),
  EHR_BOOTSTRAP_ADMIN_EMAIL: z.string().email().optional(),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/)
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16).optional(),
  TWILIO_FROM_NUMBER: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/)
    .optional(),
  EHR_SESSION_IDLE_MINUTES: int(1, 24 * 60).default(15),
  EHR_BCRYPT_COST: int(12, 15).default(12),
  EHR_LOGIN_MAX_FAILURES: int(1, 100).default(5),
  EHR_LOGIN_BACKOFF_BASE_SECONDS: int(1, 86400).default(30),
  EHR_LOGIN_BACKOFF_MAX_SECONDS: int(1, 7 * 86400).default(3600),
  EHR_LOGIN_IP_MAX_FAILURES: int(1, 100000).default(50),
  EHR_LOGIN_IP_WINDOW_SECONDS: int(1, 86400).default(3600),
  EHR_SIGNUP_IP_MAX_PER_HOUR: int(1, 100000).default(20),
  EHR_OTP_TTL_SECONDS: int(30, 3600).default(300),
  EHR_OTP_MAX_ATTEMPTS: int(1, 20).default(5),
  EHR_OTP_MAX_PER_HOUR: int(1, 100).default(3),
  EHR_DEV_ENDPOINTS: bool.optional(),
  EHR_TRUST_PROXY: z.string().optional(),
  EHR_LEDGER_TIMEOUT_SECONDS: int(1, 300).default(30),
  /** How long a submit waits for its commit to be confirmed (default: EHR_LEDGER_TIMEOUT_SECONDS);
   *  past it the answer is LEDGER_OUTCOME_UNKNOWN. */
  EHR_LEDGER_COMMIT_TIMEOUT_MS: int(1, 300_000).optional(),
  EHR_MEMBERSHIP_PROPOSAL_DAYS: int(1, 90).default(14),
  EHR_HTTP_HOST: z.string().default('127.0.0.1'),
  /** Address the federation port binds (default EHR_HTTP_HOST); its port is network.yaml's. */
  EHR_FEDERATION_HOST: z.string().optional(),
  /** Other members' federation URLs over network.yaml's: `Hospital2MSP=https://host:port,…`. */
  EHR_FEDERATION_PEERS: z.string().optional(),
  EHR_FEDERATION_REFRESH_SECONDS: int(10, 7 * 86400).default(300),
  /** At most one refresh per member hospital in this time when a name is missing. */
  EHR_FEDERATION_MISS_REFRESH_SECONDS: int(0, 86400).default(30),
  /** Cached names older than this are forgotten (the member never answered since). */
  EHR_FEDERATION_MAX_AGE_HOURS: int(1, 365 * 24).default(7 * 24),
  EHR_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
});

export type GatewayEnv = z.input<typeof envSchema>;

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  fromNumber: string;
}

export interface LedgerConfig {
  /** host:port of this hospital's peer (devnet or a real Fabric peer: the same protocol). */
  endpoint: string;
  /** PEM of the TLS root that signed the peer's TLS certificate. */
  tlsCaFile: string;
  /** Host name the peer's TLS certificate is issued for. */
  tlsServerName: string;
  channel: string;
  chaincode: string;
  timeoutMs: number;
  /** How long a submit waits for the commit status. */
  commitTimeoutMs: number;
}

/** Names of doctors between member hospitals' gateways (directory/federation). */
export interface FederationConfig {
  host: string;
  port: number;
  /** This gateway's TLS certificate and key from the hospital's CA (server and client auth). */
  tlsCertFile: string;
  tlsKeyFile: string;
  /** The gateway's enrolment identity: reads the channel configuration (who is a member). */
  identity: { certFile: string; keyFile: string };
  /** Each other hospital's federation URL by MSP id (network.yaml, then EHR_FEDERATION_PEERS). */
  peers: Record<string, string>;
  refreshMs: number;
  missRefreshMs: number;
  maxAgeMs: number;
}

/** `Hospital2MSP=https://host:port,…` → { Hospital2MSP: 'https://host:port' }. */
function parsePeers(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z][A-Za-z0-9]*MSP)=(https:\/\/.+)$/.exec(part);
    if (!m || !URL.canParse(m[2]!)) {
      throw new ConfigError(`EHR_FEDERATION_PEERS: "${part}" is not <mspId>=https://host:port`);
    }
    out[m[1]!] = m[2]!.replace(/\/+$/, '');
  }
  return out;
}

export interface GatewayConfig {
  production: boolean;
  hospital: Hospital;
  network: Network;
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  sessionSecret: string;
  keyPepper: string;
  bootstrapAdmin: { username: string; password: string; email: string };
  twilio?: TwilioConfig;
  /** Where the local SMS sink appends messages when Twilio is not configured. */
  smsSinkFile: string;
  sessionIdleMs: number;
  bcryptCost: number;
  login: {
    maxFailures: number;
    backoffBaseSeconds: number;
    backoffMaxSeconds: number;
    ipMaxFailures: number;
    ipWindowSeconds: number;
  };
  otp: { ttlSeconds: number; maxAttempts: number; maxPerHour: number };
  /** Signup requests (patient, doctor code, doctor account) per address and hour. */
  signupPerHour: number;
  /** Development-only endpoints (SMS sink reader, captcha answers). Refused in production. */
  devEndpoints: boolean;
  /** The portal build to serve (undefined: web/dist/browser of this repository). */
  portalDir?: string;
  /** Express `trust proxy`: hop count, or addresses/subnets/'loopback' (comma-separated). */
  trustProxy: string | number | false;
  ledger: LedgerConfig;
  /** How long a membership proposal made here stays open (the chaincode allows up to 90 days). */
  membershipProposalDays: number;
  federation: FederationConfig;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment and resolves everything the gateway needs; throws ConfigError. */
export function loadGatewayConfig(
  env: NodeJS.ProcessEnv = process.env,
  net: Network = loadNetwork(),
): GatewayConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid gateway configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const hospital = net.hospitals.find(
    (h) => h.name === e.EHR_HOSPITAL || h.mspId === e.EHR_HOSPITAL,
  );
  if (!hospital) {
    throw new ConfigError(
      `EHR_HOSPITAL=${e.EHR_HOSPITAL} is not a hospital of network.yaml (${net.hospitals.map((h) => h.name).join(', ')})`,
    );
  }
  const dataDir = e.EHR_GATEWAY_DATA_DIR ?? dataPaths(net).gateway(hospital);

  const twilioParts = [e.TWILIO_ACCOUNT_SID, e.TWILIO_AUTH_TOKEN, e.TWILIO_FROM_NUMBER];
  const twilioSet = twilioParts.filter(Boolean).length;
  if (twilioSet !== 0 && twilioSet !== 3) {
    throw new ConfigError(
      'Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER together',
    );
  }
  const devEndpoints = e.EHR_DEV_ENDPOINTS ?? !production;
  if (production) {
    const missing = [
      ['EHR_SESSION_SECRET', e.EHR_SESSION_SECRET],
      ['EHR_KEY_CUSTODY_PEPPER', e.EHR_KEY_CUSTODY_PEPPER],
      ['EHR_BOOTSTRAP_ADMIN_PASSWORD', e.EHR_BOOTSTRAP_ADMIN_PASSWORD],
      ['DATABASE_URL', e.DATABASE_URL],
    ]
      .filter(([, v]) => !v)
      .map(([k]) => k);
    if (missing.length) throw new ConfigError(`production needs ${missing.join(', ')}`);
    if (twilioSet !== 3)
      throw new ConfigError('production needs Twilio (TWILIO_*): the SMS sink is for development');
    if (devEndpoints) throw new ConfigError('EHR_DEV_ENDPOINTS must not be enabled in production');
  }
  // Local development: secrets generated once into the data dir (0600), never in code.
  const local =
    e.EHR_SESSION_SECRET && e.EHR_KEY_CUSTODY_PEPPER && e.EHR_BOOTSTRAP_ADMIN_PASSWORD
      ? undefined
      : ensureLocalSecrets(dataDir);

  const paths = orgPaths(net, hospital);
  const gatewayIdentity = paths.gatewayService!;
  // Every other hospital network.yaml describes (members and candidates that may join later).
  const yamlPeers = Object.fromEntries(
    [...net.hospitals, ...net.candidateHospitals]
      .filter((h) => h.mspId !== hospital.mspId)
      .map((h) => [h.mspId, `https://127.0.0.1:${h.gateway.federationPort}`]),
  );

  return {
    production,
    hospital,
    network: net,
    host: e.EHR_HTTP_HOST,
    port: hospital.gateway.port,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    sessionSecret: e.EHR_SESSION_SECRET ?? local!.sessionSecret,
    keyPepper: e.EHR_KEY_CUSTODY_PEPPER ?? local!.keyPepper,
    bootstrapAdmin: {
      username: e.EHR_BOOTSTRAP_ADMIN_USERNAME,
      password: e.EHR_BOOTSTRAP_ADMIN_PASSWORD ?? local!.bootstrapAdminPassword,
      email: e.EHR_BOOTSTRAP_ADMIN_EMAIL ?? `${e.EHR_BOOTSTRAP_ADMIN_USERNAME}@${hospital.domain}`,
    },
    twilio:
      twilioSet === 3
        ? {
            accountSid: e.TWILIO_ACCOUNT_SID!,
            authToken: e.TWILIO_AUTH_TOKEN!,
            fromNumber: e.TWILIO_FROM_NUMBER!,
          }
        : undefined,
    smsSinkFile: join(dataDir, 'sms-sink.jsonl'),
    sessionIdleMs: e.EHR_SESSION_IDLE_MINUTES * 60_000,
    bcryptCost: e.EHR_BCRYPT_COST,
    login: {
      maxFailures: e.EHR_LOGIN_MAX_FAILURES,
      backoffBaseSeconds: e.EHR_LOGIN_BACKOFF_BASE_SECONDS,
      backoffMaxSeconds: e.EHR_LOGIN_BACKOFF_MAX_SECONDS,
      ipMaxFailures: e.EHR_LOGIN_IP_MAX_FAILURES,
      ipWindowSeconds: e.EHR_LOGIN_IP_WINDOW_SECONDS,
    },
    signupPerHour: e.EHR_SIGNUP_IP_MAX_PER_HOUR,
    otp: {
      ttlSeconds: e.EHR_OTP_TTL_SECONDS,
      maxAttempts: e.EHR_OTP_MAX_ATTEMPTS,
      maxPerHour: e.EHR_OTP_MAX_PER_HOUR,
    },
    devEndpoints,
    portalDir: e.EHR_PORTAL_DIR,
    trustProxy:
      e.EHR_TRUST_PROXY === undefined
        ? false
        : /^\d+$/.test(e.EHR_TRUST_PROXY)
          ? Number(e.EHR_TRUST_PROXY)
          : e.EHR_TRUST_PROXY,
    ledger: {
      endpoint: `127.0.0.1:${e.LEDGER === 'fabric' ? hospital.peer.fabricPort : hospital.peer.port}`,
      // The organisation's TLS root, as Fabric MSPs keep it (the peer's TLS certificate chains to it).
      tlsCaFile: join(paths.msp, 'tlscacerts', 'ca.pem'),
      tlsServerName: e.EHR_PEER_TLS_SERVER_NAME ?? `peer0.${hospital.domain}`,
      channel: net.channel,
      chaincode: net.chaincode.name,
      timeoutMs: e.EHR_LEDGER_TIMEOUT_SECONDS * 1000,
      commitTimeoutMs: e.EHR_LEDGER_COMMIT_TIMEOUT_MS ?? e.EHR_LEDGER_TIMEOUT_SECONDS * 1000,
    },
    membershipProposalDays: e.EHR_MEMBERSHIP_PROPOSAL_DAYS,
    federation: {
      host: e.EHR_FEDERATION_HOST ?? e.EHR_HTTP_HOST,
      port: hospital.gateway.federationPort,
      tlsCertFile: gatewayIdentity.tlsCert,
      tlsKeyFile: gatewayIdentity.tlsKey,
      identity: { certFile: gatewayIdentity.signCert, keyFile: gatewayIdentity.privateKey },
      peers: { ...yamlPeers, ...parsePeers(e.EHR_FEDERATION_PEERS) },
      refreshMs: e.EHR_FEDERATION_REFRESH_SECONDS * 1000,
      missRefreshMs: e.EHR_FEDERATION_MISS_REFRESH_SECONDS * 1000,
      maxAgeMs: e.EHR_FEDERATION_MAX_AGE_HOURS * 3_600_000,
    },
    logLevel: e.EHR_LOG_LEVEL,
  };
}
