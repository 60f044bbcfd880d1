// Certificate revocation lists in an MSP (Fabric's revocation_list / crls/ folder): a CRL counts
// only when one of the MSP's CAs signed it; an identity whose serial it lists is refused
// ("The certificate has been revoked"), as Fabric's validateCertAgainstChain does.
import { verify } from 'node:crypto';
import { X509Crl } from '@peculiar/x509';
import type { ParsedCertificate } from './certificate';

/** Splits a signed DER structure (certificate or CRL) into the signed bytes and the signature. */
export function splitSigned(der: Uint8Array): {
  tbs: Uint8Array;
  algorithm: Uint8Array;
  signature: Uint8Array;
} {
  let at = 0;
  const len = (): number => {
    const first = der[at++]!;
    if (first < 0x80) return first;
    let n = 0;
    for (let i = 0; i < (first & 0x7f); i++) n = n * 256 + der[at++]!;
    return n;
  };
  if (der[at++] !== 0x30) throw new Error('not a DER SEQUENCE');
  len();
  const tbsStart = at;
  if (der[at++] !== 0x30) throw new Error('no signed content');
  const tbsLength = len(); // len() advances `at` past the length bytes first
  at += tbsLength;
  const tbs = der.subarray(tbsStart, at);
  const algStart = at;
  if (der[at++] !== 0x30) throw new Error('no signature algorithm');
  const algLength = len();
  at += algLength;
  const algorithm = der.subarray(algStart, at);
  if (der[at++] !== 0x03) throw new Error('no signature');
  const n = len();
  return { tbs, algorithm, signature: der.subarray(at + 1, at + n) };
}

const HASH_OF_ALG: Record<string, string> = {
  // ecdsa-with-SHA256 / SHA384 / SHA512
  '06082a8648ce3d040302': 'sha256',
  '06082a8648ce3d040303': 'sha384',
  '06082a8648ce3d040304': 'sha512',
};

function signedBy(der: Uint8Array, ca: ParsedCertificate): boolean {
  const { tbs, algorithm, signature } = splitSigned(der);
  const hex = Buffer.from(algorithm).toString('hex');
  const hash = Object.entries(HASH_OF_ALG).find(([oid]) => hex.includes(oid))?.[1];
  if (!hash) return false;
  try {
    return verify(hash, tbs, { key: ca.publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/** Revoked serial numbers (lower-case hex, no leading zeros) by the hash of the CA that revoked them. */
export function revokedSerials(crls: Buffer[], cas: ParsedCertificate[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const der of crls) {
    const ca = cas.find((c) => signedBy(der, c));
    if (!ca) continue; // Fabric ignores a CRL none of the MSP's CAs signed
    const crl = new X509Crl(der);
    let set = out.get(ca.hash);
    if (!set) out.set(ca.hash, (set = new Set()));
    for (const entry of crl.entries) set.add(normalizeSerial(entry.serialNumber));
  }
  return out;
}

export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}
