// The block data hash as Fabric 3.x computes it (protoutil.BlockDataHash): SHA-256 over the
// concatenated envelopes, after checking that every envelope of a non-config block is
// well-formed: it parses, has a payload and a signature, and re-marshals to exactly its own
// bytes (so no trailing bytes, no duplicated or reordered fields, no unknown fields).
import { createHash } from 'node:crypto';
import { common } from '@hyperledger/fabric-protos';

export class MalformedBlockError extends Error {
  override name = 'MalformedBlockError';
}

/** SHA-256 of the entries concatenated, with no well-formedness check (Fabric's ComputeBlockDataHash). */
export function computeBlockDataHash(data: readonly Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const entry of data) hash.update(entry);
  return hash.digest();
}

/** The channel header type of an envelope, or undefined when it does not parse that far. */
function headerType(raw: Uint8Array): number | undefined {
  try {
    const payload = common.Payload.deserializeBinary(
      common.Envelope.deserializeBinary(raw).getPayload_asU8(),
    );
    const header = payload.getHeader();
    if (!header) return undefined;
    return common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()).getType();
  } catch {
    return undefined;
  }
}

/** Fabric's HasConfigTx: a block of exactly one CONFIG envelope is exempt from the checks. */
function isConfigBlock(data: readonly Uint8Array[]): boolean {
  return data.length === 1 && headerType(data[0]) === common.HeaderType.CONFIG;
}

/**
 * Parses one envelope and checks Fabric 3.x's well-formedness rules. Returns the parsed envelope;
 * throws MalformedBlockError naming the problem. `index` is only used in messages.
 */
export function parseWellFormedEnvelope(raw: Uint8Array, index = 0): common.Envelope {
  let envelope: common.Envelope;
  try {
    envelope = common.Envelope.deserializeBinary(raw);
  } catch (e) {
    throw new MalformedBlockError(`transaction ${index} is invalid: ${(e as Error).message}`);
  }
  if (envelope.getPayload_asU8().length === 0) {
    throw new MalformedBlockError(`transaction ${index} has no payload`);
  }
  if (envelope.getSignature_asU8().length === 0) {
    throw new MalformedBlockError(`transaction ${index} has no signature`);
  }
  const expected = envelope.serializeBinary();
  if (expected.length < raw.length) {
    throw new MalformedBlockError(
      `transaction ${index} has ${raw.length - expected.length} trailing bytes`,
    );
  }
  if (!Buffer.from(expected).equals(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength))) {
    throw new MalformedBlockError(`transaction ${index} does not match its raw form`);
  }
  return envelope;
}

export function verifyTransactionsAreWellFormed(data: readonly Uint8Array[]): void {
  if (data.length === 0) throw new MalformedBlockError('empty block');
  if (isConfigBlock(data)) return;
  data.forEach((raw, i) => parseWellFormedEnvelope(raw, i));
}

/** Fabric's BlockDataHash: the well-formedness checks, then the hash. */
export function blockDataHash(data: readonly Uint8Array[]): Buffer {
  verifyTransactionsAreWellFormed(data);
  return computeBlockDataHash(data);
}
