// A typed client for the Fabric CA REST API (the subset the system needs: cainfo, register,
// enroll, revoke, modify an identity's secret). Keys are generated in-process (P-256) and never
// leave the caller: enroll returns the private key as a KeyObject; writing it anywhere, and how it
// is protected there, is the caller's decision.
//
// Authentication follows Fabric CA: enroll uses HTTP basic auth with the enrollment secret; every
// other call carries a token made by an enrolled identity (the registrar):
//   Authorization: base64(certPEM) "." base64(ECDSA-SHA256 signature over
//     method "." base64(requestURI) "." base64(body) "." base64(certPEM))
// with a low-S DER signature (Fabric's BCCSP rejects high-S signatures).
// @peculiar/x509 uses tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { KeyObject, sign, webcrypto } from 'node:crypto';
import { request } from 'node:https';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** An enrolled identity: its certificate and private key. */
export interface CaIdentity {
  /** PEM certificate issued by the CA. */
  certificate: string;
  privateKey: KeyObject;
}

/** The result of an enrolment. */
export interface Enrollment extends CaIdentity {
  /** The CA's chain (root first), PEM. */
  caChain: string;
}

/** An attribute stored with an identity at registration. */
export interface CaAttribute {
  name: string;
  value: string;
  /** Put this attribute in enrolment certificates by default (without an attribute request). */
  ecert?: boolean;
}

/** Fabric CA identity types; the CA puts the type in the certificate's OU (NodeOUs). */
export type IdentityType = 'client' | 'peer' | 'orderer' | 'admin';

export interface RegisterRequest {
  enrollmentId: string;
  type: IdentityType;
  /** The enrolment secret; the CA generates one when omitted (returned by register). */
  secret?: string;
  /** -1 for unlimited, default 1 for people (a lost key means a new enrolment by an admin). */
  maxEnrollments?: number;
  affiliation?: string;
  attributes?: CaAttribute[];
}

export interface EnrollRequest {
  enrollmentId: string;
  secret: string;
  /** `tls` issues a TLS certificate (server and client auth) instead of an enrolment certificate. */
  profile?: 'tls';
  /** Subject alternative names (DNS names or IP addresses), for TLS certificates. */
  hosts?: string[];
  /**
   * Attributes that must be in the certificate (the CA refuses the enrolment when the identity
   * lacks one). When given, the certificate carries exactly these; when omitted, it carries the
   * attributes registered with ecert:true.
   */
  attributes?: string[];
}

export interface RevokeRequest {
  /** Revoke every certificate of this identity (and disable it), or one certificate below. */
  enrollmentId?: string;
  /** Certificate serial (hex) and authority key identifier (hex), to revoke one certificate. */
  serial?: string;
  aki?: string;
  reason?:
    'unspecified' | 'keycompromise' | 'affiliationchange' | 'superseded' | 'cessationofoperation';
}

export interface RevokedCertificate {
  serial: string;
  aki: string;
}

export interface CaInfo {
  caName: string;
  /** PEM chain of the CA (root first). */
  caChain: string;
  version: string;
}

export interface FabricCaClientOptions {
  /** https://127.0.0.1:7054 */
  url: string;
  /** PEM certificate(s) that the CA server's TLS certificate must chain to. */
  tlsRootCert: string | Buffer;
  /** Name of the CA inside the server when it hosts several; default: its default CA. */
  caName?: string;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** A refusal by the CA ({success:false}) or a transport failure (status 0). */
export class FabricCaError extends Error {
  constructor(
    message: string,
    /** HTTP status, 0 when the CA could not be reached. */
    readonly status: number,
    /** Fabric CA's error codes, e.g. 20 (authentication failure), 74 (already registered). */
    readonly caCodes: number[] = [],
  ) {
    super(message);
    this.name = 'FabricCaError';
  }

  /** True when the CA could not be reached or answered 5xx. */
  get unavailable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

interface CaResponse<T> {
  success: boolean;
  result: T;
  errors: { code: number; message: string }[];
}

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** DER ECDSA signature with s in the lower half of the curve order. */
function lowSDerSignature(data: Buffer, key: KeyObject): Buffer {
  const raw = sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  const r = BigInt('0x' + raw.subarray(0, 32).toString('hex'));
  let s = BigInt('0x' + raw.subarray(32).toString('hex'));
  if (s > P256_ORDER / 2n) s = P256_ORDER - s;
  const int = (v: bigint) => {
    let bytes = Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
    while (bytes.length > 1 && bytes[0] === 0 && bytes[1] < 0x80) bytes = bytes.subarray(1);
    if (bytes[0] >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64');

/** The Authorization token Fabric CA expects from an enrolled identity. */
export function authToken(
  identity: CaIdentity,
  method: string,
  requestUri: string,
  body: string,
): string {
  const cert = b64(identity.certificate);
  const payload = `${method}.${b64(requestUri)}.${b64(body)}.${cert}`;
  return `${cert}.${lowSDerSignature(Buffer.from(payload), identity.privateKey).toString('base64')}`;
}

/** A new P-256 key pair and a PKCS#10 request signed with it, for subject CN=enrollmentId. */
async function keyAndCsr(enrollmentId: string): Promise<{ privateKey: KeyObject; csr: string }> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [enrollmentId] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return { privateKey: KeyObject.from(keys.privateKey), csr: csr.toString('pem') };
}

export class FabricCaClient {
  private readonly base: URL;

  constructor(private readonly opts: FabricCaClientOptions) {
    this.base = new URL(opts.url);
    if (this.base.protocol !== 'https:')
      throw new Error(`Fabric CA URL must be https: ${opts.url}`);
  }

  /** The CA's name, chain and version (no authentication). */
  async info(): Promise<CaInfo> {
    const r = await this.call<{ CAName: string; CAChain: string; Version: string }>(
      'GET',
      '/api/v1/cainfo',
    );
    return {
      caName: r.CAName,
      caChain: Buffer.from(r.CAChain, 'base64').toString(),
      version: r.Version,
    };
  }

  /** Registers an identity; returns its enrolment secret. Needs a registrar allowed to do so. */
  async register(registrar: CaIdentity, req: RegisterRequest): Promise<string> {
    const body = {
      id: req.enrollmentId,
      type: req.type,
      secret: req.secret,
      max_enrollments: req.maxEnrollments ?? 1,
      affiliation: req.affiliation ?? '',
      attrs: (req.attributes ?? []).map((a) => ({
        name: a.name,
        value: a.value,
        ecert: a.ecert ?? false,
      })),
      caname: this.opts.caName,
    };
    const r = await this.call<{ secret: string }>('POST', '/api/v1/register', body, registrar);
    return r.secret;
  }

  /** Generates a key pair, asks the CA to certify it and returns both. */
  async enroll(req: EnrollRequest): Promise<Enrollment> {
    const { privateKey, csr } = await keyAndCsr(req.enrollmentId);
    const body = {
      certificate_request: csr,
      profile: req.profile ?? '',
      hosts: req.hosts,
      attr_reqs: req.attributes?.map((name) => ({ name, optional: false })),
      caname: this.opts.caName,
    };
    const basic = `Basic ${b64(`${req.enrollmentId}:${req.secret}`)}`;
    const r = await this.call<{ Cert: string; ServerInfo: { CAChain: string } }>(
      'POST',
      '/api/v1/enroll',
      body,
      basic,
    );
    return {
      certificate: Buffer.from(r.Cert, 'base64').toString(),
      privateKey,
      caChain: Buffer.from(r.ServerInfo.CAChain, 'base64').toString(),
    };
  }

  /** Sets a new enrolment secret for an existing identity (e.g. to enrol it again). */
  async setSecret(registrar: CaIdentity, enrollmentId: string, secret: string): Promise<void> {
    const path = `/api/v1/identities/${encodeURIComponent(enrollmentId)}`;
    await this.call('PUT', path, { secret, caname: this.opts.caName }, registrar);
  }

  /** Revokes an identity's certificates (and disables it) or one certificate by serial and AKI. */
  async revoke(registrar: CaIdentity, req: RevokeRequest): Promise<RevokedCertificate[]> {
    if (!req.enrollmentId && !(req.serial && req.aki)) {
      throw new Error('revoke needs an enrollmentId, or a serial and an aki');
    }
    const body = {
      id: req.enrollmentId ?? '',
      serial: req.serial ?? '',
      aki: req.aki ?? '',
      reason: req.reason ?? 'unspecified',
      caname: this.opts.caName,
    };
    const r = await this.call<{ RevokedCerts: { Serial: string; AKI: string }[] | null }>(
      'POST',
      '/api/v1/revoke',
      body,
      registrar,
    );
    return (r.RevokedCerts ?? []).map((c) => ({ serial: c.Serial, aki: c.AKI }));
  }

  private call<T>(
    method: string,
    path: string,
    payload?: unknown,
    auth?: CaIdentity | string,
  ): Promise<T> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const url = new URL(path, this.base);
    const requestUri = url.pathname + url.search;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    if (typeof auth === 'string') headers.authorization = auth;
    else if (auth) headers.authorization = authToken(auth, method, requestUri, body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          headers,
          ca: this.opts.tlsRootCert,
          // A fresh connection per call: a kept-alive one that the CA closes meanwhile fails as
          // "socket hang up", and register/revoke cannot simply be retried.
          agent: false,
          timeout: this.opts.timeoutMs ?? 10000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new FabricCaError(`Fabric CA ${path}: ${e.message}`, 0)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            let parsed: CaResponse<T>;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString()) as CaResponse<T>;
            } catch {
              reject(new FabricCaError(`Fabric CA ${path}: HTTP ${status}, not JSON`, status));
              return;
            }
            if (!parsed.success || status >= 400) {
              const errors = parsed.errors ?? [];
              const text =
                errors.map((e) => `${e.code}: ${e.message}`).join('; ') || `HTTP ${status}`;
              reject(
                new FabricCaError(
                  `Fabric CA ${path}: ${text}`,
                  status || 500,
                  errors.map((e) => e.code),
                ),
              );
              return;
            }
            resolve(parsed.result);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) =>
        reject(new FabricCaError(`Fabric CA ${url.origin}${path}: ${e.message}`, 0)),
      );
      req.end(body);
    });
  }
}

/** The attributes Fabric CA put in a certificate (extension 1.2.3.4.5.6.7.8.1), by name. */
export function certificateAttributes(certificatePem: string): Record<string, string> {
  const cert = new x509.X509Certificate(certificatePem);
  const ext = cert.getExtension('1.2.3.4.5.6.7.8.1');
  if (!ext) return {};
  const json = JSON.parse(Buffer.from(ext.value).toString()) as { attrs?: Record<string, string> };
  return json.attrs ?? {};
}
