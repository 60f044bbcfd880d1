// A signing identity (Fabric's SigningIdentity): certificate + private key, low-S signatures.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { msp as mspProto } from '@hyperledger/fabric-protos';
import { ParsedCertificate } from './certificate';
import { signLowS } from './ecdsa';
import { decodePem } from './pem';

export class SigningIdentity {
  /** SerializedIdentity bytes: what goes into headers and endorsements. */
  readonly serialized: Buffer;
  readonly cert: ParsedCertificate;

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
  }

  /** Loads an identity from its MSP folder files (signcerts/cert.pem, keystore/key.pem). */
  static fromFiles(mspId: string, certFile: string, keyFile: string): SigningIdentity {
    return new SigningIdentity(mspId, readFileSync(certFile), createPrivateKey(readFileSync(keyFile)));
  }

  sign(message: Uint8Array): Buffer {
    return signLowS(this.privateKey, message);
  }
}
