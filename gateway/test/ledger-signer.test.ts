// The gateway's native ECDSA signer: what Fabric checks of every proposal and transaction — a
// DER signature over the SHA-256 of the message, by the user's key, with S in the lower half of
// the curve order (a peer refuses the other half) — for P-256 and P-384 keys.
import { createHash, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { ledgerSigning } from '../src/ledger/signer';

describe('ledger signer', () => {
  it.each([
    ['P-256', p256],
    ['P-384', p384],
  ] as const)(
    'signs with %s keys as Fabric verifies: DER, low S, over SHA-256',
    async (namedCurve, curve) => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
      const { signer, hash } = ledgerSigning(privateKey);
      // OpenSSL draws a high S about every other time: 48 signatures all low means it was normalised.
      for (let i = 0; i < 48; i++) {
        const message = randomBytes(100 + i);
        const der = await signer(hash(message));
        expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
        const sig = curve.Signature.fromBytes(der, 'der');
        expect(sig.hasHighS()).toBe(false);
        // As a peer checks it: over the message's SHA-256 digest, low-S required.
        const digest = createHash('sha256').update(message).digest();
        const raw = publicKey
          .export({ format: 'der', type: 'spki' })
          .subarray(-(2 * curve.Point.Fp.BYTES + 1));
        expect(curve.verify(der, digest, raw, { prehash: false, format: 'der', lowS: true })).toBe(
          true,
        );
      }
    },
  );
});
