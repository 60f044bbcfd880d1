// The channel's MSP manager (Fabric's mspManagerImpl): finds the MSP of a SerializedIdentity.
import { msp as mspProto } from '@hyperledger/fabric-protos';
import { Identity, Msp, MspError } from './msp';
import { decodePem } from './pem';
import { splitSigned } from './crl';
import { parseEcdsaSignature, encodeEcdsaSignature } from './ecdsa';

export class MspManager {
  private readonly msps = new Map<string, Msp>();
  /** Identities by their SerializedIdentity bytes (latin1 string); bounded. */
  private readonly cache = new Map<string, Identity>();
  private static readonly MAX_CACHED = 20_000;

  constructor(msps: Iterable<Msp>) {
    for (const m of msps) {
      if (this.msps.has(m.mspId)) throw new MspError(`duplicate MSP ${m.mspId}`);
      this.msps.set(m.mspId, m);
    }
  }

  static fromFabricMspConfigs(configs: Iterable<mspProto.FabricMSPConfig>): MspManager {
    return new MspManager([...configs].map((c) => Msp.fromFabricMspConfig(c)));
  }

  get mspIds(): string[] {
    return [...this.msps.keys()];
  }

  get(mspId: string): Msp | undefined {
    return this.msps.get(mspId);
  }

  /**
   * Fabric's DeserializeIdentity: parses, does not validate (call identity.validate()).
   * Throws MspError "MSP X is not defined on channel" for an unknown MSP.
   */
  deserializeIdentity(serialized: Uint8Array): Identity {
    const key = Buffer.from(serialized).toString('latin1');
    const cached = this.cache.get(key);
    if (cached) return cached;
    let si: mspProto.SerializedIdentity;
    try {
      si = mspProto.SerializedIdentity.deserializeBinary(serialized);
    } catch (err) {
      throw new MspError(`could not deserialize a SerializedIdentity: ${(err as Error).message}`);
    }
    const msp = this.msps.get(si.getMspid());
    if (!msp) throw new MspError(`MSP ${si.getMspid()} is not defined on channel`);
    const identity = msp.deserializeIdentityBytes(si.getIdBytes_asU8());
    if (this.cache.size >= MspManager.MAX_CACHED)
      this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, identity);
    return identity;
  }

  /** Deserializes and validates; throws MspError. */
  validIdentity(serialized: Uint8Array): Identity {
    const identity = this.deserializeIdentity(serialized);
    identity.validate();
    return identity;
  }

  /**
   * Fabric's IsWellFormed (checked by the orderer and committer on creators): one PEM block of
   * type CERTIFICATE (or none), no trailing bytes, and the certificate's own ECDSA signature in
   * canonical DER form.
   */
  isWellFormed(serialized: Uint8Array): void {
    const si = mspProto.SerializedIdentity.deserializeBinary(serialized);
    const idBytes = si.getIdBytes_asU8();
    const block = decodePem(idBytes);
    if (!block) throw new MspError('PEM decoding resulted in an empty block');
    if (block.rest.length > 0)
      throw new MspError(`identity for MSP ${si.getMspid()} has trailing bytes`);
    if (block.type !== 'CERTIFICATE' && block.type !== '') {
      throw new MspError(`pem type is ${block.type}, should be 'CERTIFICATE' or missing`);
    }
    const identity = this.deserializeIdentity(serialized);
    const sig = certificateSignature(identity.cert.der);
    if (sig) {
      const { r, s } = parseEcdsaSignature(sig);
      if (!encodeEcdsaSignature(r, s).equals(sig)) {
        throw new MspError(`identity for MSP ${si.getMspid()} has a non canonical signature`);
      }
    }
  }
}

/** The signature of a certificate when it is ECDSA-signed, else undefined. */
function certificateSignature(der: Buffer): Uint8Array | undefined {
  const { algorithm, signature } = splitSigned(der);
  // ecdsa-with-SHA* OIDs are under 1.2.840.10045.4
  return Buffer.from(algorithm).toString('hex').includes('2a8648ce3d04') ? signature : undefined;
}
