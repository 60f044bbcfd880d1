// How the gateway signs ledger proposals and transactions as a user: ECDSA by Node's own crypto
// (OpenSSL) instead of fabric-gateway's newPrivateKeySigner, which signs in pure JavaScript
// (@noble/curves): ~1.3 ms a signature on the shared 2-core machine, four per upload (key
// holders, endorsement, submission, commit status), 15 % of the gateway's CPU in the records
// benchmark. Fabric accepts only low-S signatures, so S is normalised (as fabric-gateway does),
// and sent DER-encoded; the noble codec does that part (no curve arithmetic).
import { sign, type KeyObject } from 'node:crypto';
import { hash, type Hash, type Signer, signers } from '@hyperledger/fabric-gateway';
import { p256, p384 } from '@noble/curves/nist.js';

const CURVES: Record<string, typeof p256 | undefined> = { prime256v1: p256, secp384r1: p384 };

/** The Gateway's `signer` and `hash` for a user's private key (SHA-256 digests, as before). */
export function ledgerSigning(key: KeyObject): { signer: Signer; hash: Hash } {
  const curve = key.asymmetricKeyType === 'ec' ? CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!curve) return { signer: signers.newPrivateKeySigner(key), hash: hash.sha256 };
  return {
    // The whole message goes to the signer: OpenSSL hashes it (SHA-256) and signs the digest.
    hash: hash.none,
    signer: (message) => {
      const sig = curve.Signature.fromBytes(sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' }), 'compact');
      const low = sig.hasHighS() ? new curve.Signature(sig.r, curve.Point.Fn.neg(sig.s)) : sig;
      return Promise.resolve(low.toBytes('der'));
    },
  };
}
