// Key-level (state-based) endorsement policies: a key's VALIDATION_PARAMETER metadata entry is
// a marshalled SignaturePolicyEnvelope (fabric-shim's KeyEndorsementPolicy writes one). The
// committer evaluates writes against it (committer/endorsement.ts); the endorser reports the
// policies of the keys a proposal writes, so that the gateway asks the peers they need, as
// Fabric's ChaincodeInterest lets discovery do.
import { SignaturePolicy } from './policy';

/** peer.MetaDataKeys.VALIDATION_PARAMETER: the metadata entry holding a key's policy. */
export const VALIDATION_PARAMETER = 'VALIDATION_PARAMETER';

const MAX_PARSED = 1_000;
/** Parsed policies by their bytes (one policy is usually shared by many keys). */
const parsed = new Map<string, SignaturePolicy | Error>();

/** The key's own policy from its metadata: undefined when it has none, an Error when it is no policy. */
export function keyLevelPolicy(
  metadata: Record<string, Buffer> | undefined,
): SignaturePolicy | Error | undefined {
  const bytes = metadata?.[VALIDATION_PARAMETER];
  if (!bytes?.length) return undefined;
  const id = bytes.toString('base64');
  let policy = parsed.get(id);
  if (!policy) {
    try {
      policy = SignaturePolicy.fromBytes(bytes);
    } catch (e) {
      policy = new Error(`could not translate policy: ${(e as Error).message}`);
    }
    if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
    parsed.set(id, policy);
  }
  return policy;
}
