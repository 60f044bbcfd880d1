// A signing identity (Fabric's SigningIdentity): certificate + private key, low-S signatures.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { msp as mspProto } from '@hyperledger/fabric-protos';
import { ParsedCertificate } from './certificate';
import { signLowS, signLowSAsync, verifyEcdsa } from './ecdsa';
import { decodePem } from './pem';
import { rememberOwnSignature } from './signatures';

export class SigningIdentity {
  /** SerializedIdentity bytes: what goes into headers and endorsements. */
  readonly serialized: Buffer;
  readonly cert: ParsedCertificate;
  /** Whether the private key is the certificate's: only then are its signatures known valid. */
  private readonly keyMatchesCertificate: boolean;

  constructor(
    readonly mspId: string,
    readonly certPem: Buffer,
    private readonly privateKey: KeyObject,
  ) {
    const block = decodePem(certPem);
    if (!block) throw new Error(`signing identity of ${mspId}: certificate is not PEM`);
    this.cert = new ParsedCertificate(block.der);
    const si = new mspProto.SerializedIdentity();
    si.setMspid(mspId);
    si.setIdBytes(certPem);
    this.serialized = Buffer.from(si.serializeBinary());
    const probe = Buffer.from(`devnet key probe ${mspId}`);
    try {
      this.keyMatchesCertificate = verifyEcdsa(
        this.cert.publicKey,
        probe,
        signLowS(privateKey, probe),
      );
    } catch {
      this.keyMatchesCertificate = false;
    }
  }

  /** Loads an identity from its MSP folder files (signcerts/cert.pem, keystore/key.pem). */
  static fromFiles(mspId: string, certFile: string, keyFile: string): SigningIdentity {
    return new SigningIdentity(
      mspId,
      readFileSync(certFile),
      createPrivateKey(readFileSync(keyFile)),
    );
  }

  sign(message: Uint8Array): Buffer {
    return this.made(message, signLowS(this.privateKey, message));
  }

  /** sign() in libuv's thread pool. */
  async signAsync(message: Uint8Array): Promise<Buffer> {
    return this.made(message, await signLowSAsync(this.privateKey, message));
  }

  private made(message: Uint8Array, signature: Buffer): Buffer {
    if (this.keyMatchesCertificate) rememberOwnSignature(this.cert, message, signature);
    return signature;
  }
}
