// One organisation's MSP as Fabric's X.509 MSP (msp/mspimpl.go, mspimplvalidate.go) behaves:
// an identity is valid when its certificate is not a CA, chains to one of the MSP's root CAs
// (through its intermediates), and — with NodeOUs enabled — carries exactly one of the
// client / peer / admin / orderer OUs. Like Fabric, chain validation is done at the
// certificate's own NotBefore + 1 s (FAB-3678): expiry is checked where Fabric checks it (the
// endorser's and orderer's expiration filters, Deliver), through Identity.expiresAt.
import { msp as mspProto } from '@hyperledger/fabric-protos';
import { ParsedCertificate } from './certificate';
import { SignatureError, sha256, verifyEcdsa } from './ecdsa';
import { verifySignature } from './signatures';
import { revokedSerials } from './crl';
import { decodePem, decodePemCertificates } from './pem';

export type NodeRole = 'client' | 'peer' | 'admin' | 'orderer';
export const NODE_ROLES: readonly NodeRole[] = ['client', 'peer', 'admin', 'orderer'];

export class MspError extends Error {
  override name = 'MspError';
}

interface NodeOU {
  ou: string;
  /** Chain identifier of the CA that must have issued the identity; empty: any of the MSP's. */
  certifier: string;
}

const asBytes = (v: Uint8Array | string): Buffer =>
  typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.from(v);

export class Identity {
  /** Fabric's IdentityIdentifier: MSP id and hex(SHA-256(certificate DER)). */
  readonly id: string;
  private validation?: MspError | null;
  private chain?: ParsedCertificate[];

  constructor(
    readonly msp: Msp,
    /** The PEM bytes carried in SerializedIdentity.id_bytes. */
    readonly idBytes: Buffer,
    readonly cert: ParsedCertificate,
  ) {
    this.id = `${msp.mspId}:${cert.hash}`;
  }

  get mspId(): string {
    return this.msp.mspId;
  }

  get attributes(): Record<string, string> {
    return this.cert.attributes;
  }

  get expiresAt(): Date {
    return this.cert.notAfter;
  }

  isExpired(now = new Date()): boolean {
    return now > this.cert.notAfter;
  }

  /** The NodeOU role of a valid identity (undefined when NodeOUs are off or none matches). */
  get role(): NodeRole | undefined {
    return NODE_ROLES.find((r) => this.msp.hasNodeRole(this, r));
  }

  /** Throws an MspError saying why the identity is not a valid member; cached per identity. */
  validate(): void {
    if (this.validation === undefined) {
      try {
        this.msp.validateIdentity(this);
        this.validation = null;
      } catch (err) {
        this.validation = err instanceof MspError ? err : new MspError(String(err));
      }
    }
    if (this.validation) throw this.validation;
  }

  isValid(): boolean {
    try {
      this.validate();
      return true;
    } catch {
      return false;
    }
  }

  /** The certification chain, leaf first, root last (throws if there is none). */
  certificationChain(): ParsedCertificate[] {
    this.chain ??= this.msp.chainOf(this.cert);
    return this.chain;
  }

  /**
   * Verifies a signature by this identity over `message`. Returns false when the signature
   * does not verify or is malformed or high-S (Fabric refuses all three).
   */
  verify(message: Uint8Array, signature: Uint8Array): boolean {
    try {
      return verifyEcdsa(this.cert.publicKey, message, signature);
    } catch (err) {
      if (err instanceof SignatureError) return false;
      throw err;
    }
  }

  /** verify() off the main thread, each distinct signature computed once (signatures.ts). */
  verifyAsync(message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return verifySignature(this.cert, message, signature);
  }

  /** The SerializedIdentity bytes of this identity. */
  serialize(): Buffer {
    const si = new mspProto.SerializedIdentity();
    si.setMspid(this.mspId);
    si.setIdBytes(this.idBytes);
    return Buffer.from(si.serializeBinary());
  }
}

export interface MspDefinition {
  mspId: string;
  /** DER certificates. */
  rootCerts: Buffer[];
  intermediateCerts?: Buffer[];
  /** Explicit admin certificates (Fabric's legacy admincerts); NodeOUs make them unnecessary. */
  adminCerts?: Buffer[];
  tlsRootCerts?: Buffer[];
  tlsIntermediateCerts?: Buffer[];
  /** DER certificate revocation lists issued by the MSP's CAs. */
  revocationList?: Buffer[];
  /** OU identifiers every identity must carry one of (Fabric's organizational_unit_identifiers). */
  organizationalUnits?: { ou: string; certificate?: Buffer }[];
  nodeOUs?: { enable: boolean } & Partial<Record<NodeRole, { ou: string; certificate?: Buffer }>>;
}

export class Msp {
  readonly mspId: string;
  readonly roots: ParsedCertificate[];
  readonly intermediates: ParsedCertificate[];
  readonly tlsRoots: ParsedCertificate[];
  readonly tlsIntermediates: ParsedCertificate[];
  private readonly admins: Set<string>;
  /** Revoked serials by the hash of the revoking CA. */
  private readonly revoked: Map<string, Set<string>>;
  private readonly ouIdentifiers: NodeOU[];
  private readonly nodeOUs?: Partial<Record<NodeRole, NodeOU>>;
  /** Cached identities by their PEM bytes (latin1 string). */
  private readonly identities = new Map<string, Identity>();
  private static readonly MAX_CACHED = 10_000;

  constructor(readonly definition: MspDefinition) {
    this.mspId = definition.mspId;
    if (!definition.rootCerts.length)
      throw new MspError(`MSP ${this.mspId}: expected at least one CA certificate`);
    this.roots = definition.rootCerts.map((d) => new ParsedCertificate(d));
    this.intermediates = (definition.intermediateCerts ?? []).map((d) => new ParsedCertificate(d));
    this.tlsRoots = (definition.tlsRootCerts ?? []).map((d) => new ParsedCertificate(d));
    this.tlsIntermediates = (definition.tlsIntermediateCerts ?? []).map(
      (d) => new ParsedCertificate(d),
    );
    // Fabric's finalizeSetupCAs: such an MSP is refused (a peer or orderer will not start with it).
    for (const ca of [...this.roots, ...this.intermediates]) {
      if (!ca.isCa)
        throw new MspError(
          `MSP ${this.mspId}: CA Certificate did not have the CA attribute, (SN: ${ca.serial})`,
        );
      if (!ca.hasSubjectKeyIdentifier) {
        throw new MspError(
          `MSP ${this.mspId}: CA Certificate problem with Subject Key Identifier extension, (SN: ${ca.serial}): subjectKeyIdentifier not found in certificate`,
        );
      }
    }
    for (const im of this.intermediates) this.chainOf(im, true);
    this.revoked = revokedSerials(definition.revocationList ?? [], [
      ...this.roots,
      ...this.intermediates,
    ]);
    this.admins = new Set((definition.adminCerts ?? []).map((d) => new ParsedCertificate(d).hash));
    this.ouIdentifiers = (definition.organizationalUnits ?? []).map((o) => this.nodeOU(o));
    if (definition.nodeOUs?.enable) {
      this.nodeOUs = {};
      for (const role of NODE_ROLES) {
        const cfg = definition.nodeOUs[role];
        if (cfg?.ou) this.nodeOUs[role] = this.nodeOU(cfg);
      }
    }
  }

  /** Builds an MSP from the FabricMSPConfig a channel config block carries. */
  static fromFabricMspConfig(config: mspProto.FabricMSPConfig): Msp {
    const certs = (list: (Uint8Array | string)[]) =>
      list.flatMap((p) => decodePemCertificates(asBytes(p)));
    const ouId = (o: mspProto.FabricOUIdentifier | undefined) => {
      if (!o || !o.getOrganizationalUnitIdentifier()) return undefined;
      const pem = asBytes(o.getCertificate());
      const der = pem.length ? decodePemCertificates(pem)[0] : undefined;
      return { ou: o.getOrganizationalUnitIdentifier(), ...(der ? { certificate: der } : {}) };
    };
    const n = config.getFabricNodeOus();
    return new Msp({
      mspId: config.getName(),
      rootCerts: certs(config.getRootCertsList()),
      intermediateCerts: certs(config.getIntermediateCertsList()),
      adminCerts: certs(config.getAdminsList()),
      tlsRootCerts: certs(config.getTlsRootCertsList()),
      tlsIntermediateCerts: certs(config.getTlsIntermediateCertsList()),
      revocationList: config.getRevocationListList().flatMap((p) => crlsOf(asBytes(p))),
      organizationalUnits: config
        .getOrganizationalUnitIdentifiersList()
        .map(ouId)
        .filter((o): o is { ou: string; certificate?: Buffer } => !!o),
      nodeOUs: n
        ? {
            enable: n.getEnable(),
            client: ouId(n.getClientOuIdentifier()),
            peer: ouId(n.getPeerOuIdentifier()),
            admin: ouId(n.getAdminOuIdentifier()),
            orderer: ouId(n.getOrdererOuIdentifier()),
          }
        : undefined,
    });
  }

  get nodeOUsEnabled(): boolean {
    return this.nodeOUs !== undefined;
  }

  private nodeOU(o: { ou: string; certificate?: Buffer }): NodeOU {
    if (!o.certificate) return { ou: o.ou, certifier: '' };
    const cert = new ParsedCertificate(o.certificate);
    return { ou: o.ou, certifier: chainIdentifier(this.chainOf(cert, true)) };
  }

  /** Parses the PEM of a SerializedIdentity's id_bytes into an Identity of this MSP (cached). */
  deserializeIdentityBytes(idBytes: Uint8Array): Identity {
    const key = Buffer.from(idBytes).toString('latin1');
    const cached = this.identities.get(key);
    if (cached) return cached;
    const block = decodePem(idBytes);
    if (!block) throw new MspError('could not decode the PEM structure');
    let cert: ParsedCertificate;
    try {
      cert = new ParsedCertificate(block.der);
    } catch (err) {
      throw new MspError(`parseCertificate failed: ${(err as Error).message}`);
    }
    // Fabric sanitizes an ECDSA-signed certificate against its issuer while deserializing it, so
    // a certificate that does not chain to this MSP (another organisation's, under our MSP id)
    // is no identity at all ("creator org unknown"), not merely an invalid one. Expiry does not
    // count here: the chain is built as at the certificate's start.
    this.chainOf(cert, true);
    const identity = new Identity(this, Buffer.from(idBytes), cert);
    if (this.identities.size >= Msp.MAX_CACHED)
      this.identities.delete(this.identities.keys().next().value!);
    this.identities.set(key, identity);
    return identity;
  }

  /**
   * Finds the chain of `cert` up to one of the roots: leaf first. For a CA certificate (an
   * intermediate or an OU certifier), the chain may be the root alone.
   */
  chainOf(cert: ParsedCertificate, allowCa = false): ParsedCertificate[] {
    if (!allowCa && cert.isCa) {
      throw new MspError(
        'An X509 certificate with Basic Constraint: Certificate Authority set to true cannot be used as an MSP Identity',
      );
    }
    const at = new Date(cert.notBefore.getTime() + 1000);
    if (allowCa && this.roots.some((r) => r.hash === cert.hash)) return [cert];
    const chain = [cert];
    let current = cert;
    for (let depth = 0; depth < 8; depth++) {
      const root = this.roots.find((r) => current.issuedBy(r));
      if (root) {
        if (!root.validAt(at)) break;
        chain.push(root);
        return chain;
      }
      const parent = this.intermediates.find((i) => i.hash !== current.hash && current.issuedBy(i));
      if (!parent || !parent.validAt(at) || chain.includes(parent)) break;
      chain.push(parent);
      current = parent;
    }
    throw new MspError(
      `could not obtain certification chain: x509: certificate signed by unknown authority (MSP ${this.mspId})`,
    );
  }

  /** Fabric's validateIdentity: chain, then OU rules. Throws MspError. */
  validateIdentity(identity: Identity): void {
    if (identity.msp !== this) throw new MspError(`identity is not of MSP ${this.mspId}`);
    if (identity.cert.publicKey.asymmetricKeyType !== 'ec') {
      throw new MspError(`${identity.cert.publicKey.asymmetricKeyType} is not supported`);
    }
    const chain = identity.certificationChain();
    if (this.revoked.get(chain[1]!.hash)?.has(identity.cert.serial)) {
      throw new MspError(
        'could not validate identity against certification chain: The certificate has been revoked',
      );
    }
    const certifier = chainIdentifier(chain.slice(1));
    const ous = identity.cert.organizationalUnits;
    if (this.ouIdentifiers.length) {
      const ok = this.ouIdentifiers.some(
        (o) => ous.includes(o.ou) && (!o.certifier || o.certifier === certifier),
      );
      if (!ok) {
        throw new MspError(
          `none of the identity's organizational units [${ous.join(', ')}] are in MSP ${this.mspId}`,
        );
      }
    }
    if (!this.nodeOUs) return;
    let count = 0;
    for (const ou of ous) {
      for (const role of NODE_ROLES) {
        const nodeOU = this.nodeOUs[role];
        if (!nodeOU || nodeOU.ou !== ou) continue;
        if (nodeOU.certifier && nodeOU.certifier !== certifier) {
          throw new MspError(
            `certifiersIdentifier does not match: [${ous.join(', ')}], MSP: [${this.mspId}]`,
          );
        }
        count++;
      }
    }
    if (count === 0) {
      throw new MspError(
        `the identity does not have an OU that resolves to client, peer, orderer, or admin role. OUs: [${ous.join(', ')}], MSP: [${this.mspId}]`,
      );
    }
    if (count > 1) {
      throw new MspError(
        `the identity must have a client, a peer, an orderer, or an admin OU role to be valid, not a combination of them. OUs: [${ous.join(', ')}], MSP: [${this.mspId}]`,
      );
    }
  }

  /** Whether a (valid) identity carries the NodeOU of `role`. */
  hasNodeRole(identity: Identity, role: NodeRole): boolean {
    const nodeOU = this.nodeOUs?.[role];
    if (!nodeOU || !identity.cert.organizationalUnits.includes(nodeOU.ou)) return false;
    if (!nodeOU.certifier) return true;
    try {
      return chainIdentifier(identity.certificationChain().slice(1)) === nodeOU.certifier;
    } catch {
      return false;
    }
  }

  isAdmin(identity: Identity): boolean {
    return this.admins.has(identity.cert.hash) || this.hasNodeRole(identity, 'admin');
  }

  /** Whether a TLS certificate (DER) chains to this MSP's TLS roots (at its own NotBefore). */
  isTlsCertificateOf(der: Uint8Array): boolean {
    const cert = new ParsedCertificate(der);
    const at = new Date(cert.notBefore.getTime() + 1000);
    let current = cert;
    for (let depth = 0; depth < 8; depth++) {
      if (this.tlsRoots.some((r) => current.issuedBy(r) && r.validAt(at))) return true;
      const parent = this.tlsIntermediates.find((i) => current.issuedBy(i));
      if (!parent || parent === current) return false;
      current = parent;
    }
    return false;
  }
}

/** The CRLs of a PEM bundle (X509 CRL blocks) or a single DER CRL. */
function crlsOf(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let rest: Buffer = bytes;
  for (;;) {
    const block = decodePem(rest);
    if (!block) break;
    if (block.type === 'X509 CRL') out.push(block.der);
    rest = block.rest;
  }
  return out.length || bytes[0] !== 0x30 ? out : [bytes];
}

/** Fabric's certification chain identifier: SHA-256 over the chain's DER certificates. */
function chainIdentifier(chain: ParsedCertificate[]): string {
  return sha256(...chain.map((c) => c.der)).toString('hex');
}
