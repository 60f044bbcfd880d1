// How the gateway signs ledger proposals and transactions as a user: ECDSA by Node's own crypto
// (OpenSSL) instead of fabric-gateway's newPrivateKeySigner, which signs in pure JavaScript
// (@noble/curves): ~1.3 ms a signature on the shared 2-core machine, four per upload (key
// holders, endorsement, submission, commit status), 15 % of the gateway's CPU in the records
// benchmark. Fabric accepts only low-S DER signatures: @ehr/network's signEcdsaLowS makes them,
// as devnet's peers sign.
import type { KeyObject } from 'node:crypto';
import { hash, type Hash, type Signer, signers } from '@hyperledger/fabric-gateway';
import { signEcdsaLowS } from '@ehr/network';

const CURVES = new Set(['prime256v1', 'secp384r1']);

/** The Gateway's `signer` and `hash` for a user's private key (SHA-256 digests, as before). */
export function ledgerSigning(key: KeyObject): { signer: Signer; hash: Hash } {
  const native =
    key.asymmetricKeyType === 'ec' && CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '');
  if (!native) return { signer: signers.newPrivateKeySigner(key), hash: hash.sha256 };
  // The whole message goes to the signer: OpenSSL hashes it (SHA-256) and signs the digest.
  return { hash: hash.none, signer: (message) => Promise.resolve(signEcdsaLowS(key, message)) };
}
