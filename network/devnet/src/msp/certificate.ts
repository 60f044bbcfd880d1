// One parsed X.509 certificate with the fields Fabric's MSP and chaincode look at. Parsing is
// done once per distinct certificate (callers cache Identities, not bytes).
// @peculiar/x509 resolves its parsers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { BasicConstraintsExtension, X509Certificate as PeculiarX509 } from '@peculiar/x509';
import { sha256 } from './ecdsa';

/** Extension OID under which Fabric CA writes enrolment attributes as JSON {"attrs":{...}}. */
export const FABRIC_CA_ATTRS_OID = '1.2.3.4.5.6.7.8.1';
const OU_OID = '2.5.4.11';
const SUBJECT_KEY_IDENTIFIER_OID = '2.5.29.14';

export class ParsedCertificate {
  readonly der: Buffer;
  readonly node: NodeX509;
  readonly publicKey: KeyObject;
  /** hex(SHA-256(DER)): Fabric's identity identifier within an MSP. */
  readonly hash: string;
  readonly subject: string;
  readonly organizationalUnits: string[];
  /** Attributes Fabric CA embedded (role, uid, govId, hf.*); empty when none. */
  readonly attributes: Record<string, string>;
  readonly isCa: boolean;
  /** Whether the Subject Key Identifier extension is present (Fabric requires it on CA certificates). */
  readonly hasSubjectKeyIdentifier: boolean;
  /** Serial number, lower-case hex without leading zeros. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;

  constructor(der: Uint8Array) {
    this.der = Buffer.from(der);
    this.node = new NodeX509(this.der);
    this.publicKey = this.node.publicKey;
    this.hash = sha256(this.der).toString('hex');
    this.subject = this.node.subject;
    this.notBefore = new Date(this.node.validFrom);
    this.notAfter = new Date(this.node.validTo);
    this.serial = this.node.serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
    const parsed = new PeculiarX509(this.der);
    this.organizationalUnits = parsed.subjectName.getField(OU_OID);
    this.attributes = parseFabricCaAttributes(parsed);
    // Basic Constraints alone decide, as in Go's x509 (OpenSSL's notion also looks at key usage).
    this.isCa = parsed.getExtension(BasicConstraintsExtension)?.ca ?? false;
    this.hasSubjectKeyIdentifier = parsed.getExtension(SUBJECT_KEY_IDENTIFIER_OID) !== null;
  }

  /** Whether `issuer` signed this certificate (name match and signature). */
  issuedBy(issuer: ParsedCertificate): boolean {
    return this.node.checkIssued(issuer.node) && this.node.verify(issuer.publicKey);
  }

  validAt(time: Date): boolean {
    return time >= this.notBefore && time <= this.notAfter;
  }
}

function parseFabricCaAttributes(cert: PeculiarX509): Record<string, string> {
  const ext = cert.getExtension(FABRIC_CA_ATTRS_OID);
  if (!ext) return {};
  try {
    const json = JSON.parse(Buffer.from(ext.value).toString('utf8')) as { attrs?: unknown };
    const attrs = json.attrs;
    if (!attrs || typeof attrs !== 'object') return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    // Fabric's attrmgr fails only when asked for an attribute; an unreadable extension means none.
    return {};
  }
}
