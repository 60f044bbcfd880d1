import { generateKeyPairSync, verify } from 'node:crypto';
import { authToken } from '../src/ca/client';

// authToken does not parse the certificate: any PEM text exercises the format. The CA's
// acceptance of real tokens is covered by the foundation integration suite (real fabric-ca-server).
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n';

const P256_HALF_ORDER =
  BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551') / 2n;

/** s of a DER ECDSA signature. */
function derS(sig: Buffer): bigint {
  let i = 2;
  const rLen = sig[i + 1];
  i += 2 + rLen;
  const sLen = sig[i + 1];
  return BigInt('0x' + sig.subarray(i + 2, i + 2 + sLen).toString('hex'));
}

describe('Fabric CA token', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  it('is base64(cert).base64(signature over method.b64(uri).b64(body).b64(cert)), low-S', () => {
    const body = JSON.stringify({ id: 'alice', type: 'client' });
    for (let n = 0; n < 40; n++) {
      const token = authToken({ certificate: CERT, privateKey }, 'POST', '/api/v1/register', body);
      const [cert64, sig64, extra] = token.split('.');
      expect(extra).toBeUndefined();
      expect(Buffer.from(cert64, 'base64').toString()).toBe(CERT);
      const b64 = (t: string) => Buffer.from(t).toString('base64');
      const payload = `POST.${b64('/api/v1/register')}.${b64(body)}.${cert64}`;
      const sig = Buffer.from(sig64, 'base64');
      expect(verify('sha256', Buffer.from(payload), publicKey, sig)).toBe(true);
      expect(derS(sig) <= P256_HALF_ORDER).toBe(true);
      // a different method or body must not verify
      expect(verify('sha256', Buffer.from(payload.replace('POST', 'PUT')), publicKey, sig)).toBe(
        false,
      );
    }
  });
});
