// Policy evaluation as Fabric's common/cauthdsl and common/policies do it.
//
// Signature policies: signatures are verified first (invalid ones are dropped, an identity that
// signs twice counts once), then the rule tree is evaluated where each signature can satisfy at
// most one SignedBy leaf — Fabric's "used" bookkeeping, so AND('A.peer','A.peer') needs two
// different peers of A.
// Implicit meta policies: ANY / ALL / MAJORITY of the named sub-policy of each child group
// (e.g. /Channel/Application/Admins = MAJORITY Admins over the organisations).
import { common, msp as mspProto } from '@hyperledger/fabric-protos';
import { Identity, MspError, MspManager, satisfiesPrincipal } from '../msp';
import { parseSignaturePolicy, signaturePolicyToString } from './dsl';

/** One signature over `data` by the serialized `identity` (Fabric's protoutil.SignedData). */
export interface SignedData {
  data: Uint8Array;
  identity: Uint8Array;
  signature: Uint8Array;
}

export interface Policy {
  /** True when the (already verified, deduplicated) identities satisfy the policy. */
  evaluateIdentities(identities: Identity[]): boolean;
  toString(): string;
}

/** The signers a channel MSP knows, with what they signed (unknown signers are skipped). */
function knownSigners(
  signedData: Iterable<SignedData>,
  msps: MspManager,
): { identity: Identity; sd: SignedData }[] {
  const out: { identity: Identity; sd: SignedData }[] = [];
  for (const sd of signedData) {
    try {
      out.push({ identity: msps.deserializeIdentity(sd.identity), sd });
    } catch (err) {
      if (!(err instanceof MspError)) throw err;
    }
  }
  return out;
}

/** Each identity once, in the order of its first valid signature. */
function distinct(identities: Identity[]): Identity[] {
  const seen = new Set<string>();
  return identities.filter((identity) => !seen.has(identity.id) && !!seen.add(identity.id));
}

/**
 * Fabric's SignatureSetToValidIdentities: deserializes each signer, skips unknown ones,
 * duplicates and signatures that do not verify. Identity validity is checked by the principals.
 */
export function validIdentities(signedData: Iterable<SignedData>, msps: MspManager): Identity[] {
  return distinct(
    knownSigners(signedData, msps)
      .filter(({ identity, sd }) => identity.verify(sd.data, sd.signature))
      .map(({ identity }) => identity),
  );
}

/** validIdentities with the signatures verified in parallel off the main thread. */
export async function validIdentitiesAsync(
  signedData: Iterable<SignedData>,
  msps: MspManager,
): Promise<Identity[]> {
  const signers = knownSigners(signedData, msps);
  const verified = await Promise.all(
    signers.map(({ identity, sd }) => identity.verifyAsync(sd.data, sd.signature)),
  );
  return distinct(signers.filter((_, i) => verified[i]).map(({ identity }) => identity));
}

export function evaluateSignedData(
  policy: Policy,
  signedData: Iterable<SignedData>,
  msps: MspManager,
): boolean {
  return policy.evaluateIdentities(validIdentities(signedData, msps));
}

export async function evaluateSignedDataAsync(
  policy: Policy,
  signedData: Iterable<SignedData>,
  msps: MspManager,
): Promise<boolean> {
  return policy.evaluateIdentities(await validIdentitiesAsync(signedData, msps));
}

type Compiled = (identities: Identity[], used: boolean[]) => boolean;

export class SignaturePolicy implements Policy {
  private readonly compiled: Compiled;

  constructor(readonly envelope: common.SignaturePolicyEnvelope) {
    const rule = envelope.getRule();
    if (!rule) throw new MspError('empty policy element');
    this.compiled = compile(rule, envelope.getIdentitiesList());
  }

  static parse(text: string): SignaturePolicy {
    return new SignaturePolicy(parseSignaturePolicy(text));
  }

  static fromBytes(bytes: Uint8Array): SignaturePolicy {
    return new SignaturePolicy(common.SignaturePolicyEnvelope.deserializeBinary(bytes));
  }

  evaluateIdentities(identities: Identity[]): boolean {
    return this.compiled(identities, new Array<boolean>(identities.length).fill(false));
  }

  toString(): string {
    return signaturePolicyToString(this.envelope);
  }
}

function compile(policy: common.SignaturePolicy, principals: mspProto.MSPPrincipal[]): Compiled {
  if (policy.getTypeCase() === common.SignaturePolicy.TypeCase.SIGNED_BY) {
    const index = policy.getSignedBy();
    const principal = principals[index];
    if (index < 0 || !principal)
      throw new MspError('identity index out of range, requested ' + index);
    return (identities, used) => {
      for (let i = 0; i < identities.length; i++) {
        if (used[i]) continue;
        if (satisfiesPrincipal(identities[i]!, principal)) {
          used[i] = true;
          return true;
        }
      }
      return false;
    };
  }
  const nOutOf = policy.getNOutOf();
  if (!nOutOf) throw new MspError('unknown signature policy type');
  const rules = nOutOf.getRulesList().map((r) => compile(r, principals));
  const n = nOutOf.getN();
  return (identities, used) => {
    let verified = 0;
    const scratch = used.slice();
    for (const rule of rules) {
      for (let i = 0; i < used.length; i++) scratch[i] = used[i]!;
      if (rule(identities, scratch)) {
        verified++;
        for (let i = 0; i < used.length; i++) used[i] = scratch[i]!;
      }
    }
    return verified >= n;
  };
}

export type ImplicitMetaRule = 'ANY' | 'ALL' | 'MAJORITY';

export class ImplicitMetaPolicy implements Policy {
  readonly threshold: number;

  constructor(
    readonly rule: ImplicitMetaRule,
    readonly subPolicyName: string,
    readonly subPolicies: Policy[],
  ) {
    const n = subPolicies.length;
    // Like Fabric: with no sub-policies, zero signatures are "any" or "a majority".
    this.threshold = n === 0 ? 0 : rule === 'ANY' ? 1 : rule === 'ALL' ? n : Math.floor(n / 2) + 1;
  }

  evaluateIdentities(identities: Identity[]): boolean {
    let satisfied = 0;
    for (const p of this.subPolicies) {
      if (p.evaluateIdentities(identities)) satisfied++;
      if (satisfied >= this.threshold) return true;
    }
    return satisfied >= this.threshold;
  }

  toString(): string {
    return `${this.rule} ${this.subPolicyName}`;
  }
}

/**
 * Fabric's error text when `identities` do not satisfy `policy` (common/policies/implicitmeta.go,
 * common/cauthdsl/policy.go); undefined when they do.
 */
export function policyFailure(policy: Policy, identities: Identity[]): string | undefined {
  if (policy instanceof ImplicitMetaPolicy) {
    const satisfied = policy.subPolicies.filter((p) => p.evaluateIdentities(identities)).length;
    if (satisfied >= policy.threshold) return undefined;
    return `implicit policy evaluation failed - ${satisfied} sub-policies were satisfied, but this policy requires ${policy.threshold} of the '${policy.subPolicyName}' sub-policies to be satisfied`;
  }
  return policy.evaluateIdentities(identities) ? undefined : 'signature set did not satisfy policy';
}

const RULES: Record<number, ImplicitMetaRule> = {
  [common.ImplicitMetaPolicy.Rule.ANY]: 'ANY',
  [common.ImplicitMetaPolicy.Rule.ALL]: 'ALL',
  [common.ImplicitMetaPolicy.Rule.MAJORITY]: 'MAJORITY',
};

/**
 * Builds a Policy from a config group's common.Policy. For IMPLICIT_META, `subPolicies(name)`
 * returns that sub-policy of each child group (e.g. each organisation's "Admins").
 */
export function policyFromProto(
  policy: common.Policy,
  subPolicies: (name: string) => Policy[] = () => [],
): Policy {
  switch (policy.getType()) {
    case common.Policy.PolicyType.SIGNATURE:
      return SignaturePolicy.fromBytes(policy.getValue_asU8());
    case common.Policy.PolicyType.IMPLICIT_META: {
      const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
      const rule = RULES[meta.getRule()];
      if (!rule) throw new MspError(`unknown implicit meta rule ${meta.getRule()}`);
      return new ImplicitMetaPolicy(rule, meta.getSubPolicy(), subPolicies(meta.getSubPolicy()));
    }
    default:
      throw new MspError(`unsupported policy type ${policy.getType()}`);
  }
}

/** The common.Policy wrapping of a signature policy (for config groups). */
export function signaturePolicyProto(env: common.SignaturePolicyEnvelope): common.Policy {
  const p = new common.Policy();
  p.setType(common.Policy.PolicyType.SIGNATURE);
  p.setValue(env.serializeBinary());
  return p;
}

export function implicitMetaPolicyProto(rule: ImplicitMetaRule, subPolicy: string): common.Policy {
  const meta = new common.ImplicitMetaPolicy();
  meta.setRule(common.ImplicitMetaPolicy.Rule[rule]);
  meta.setSubPolicy(subPolicy);
  const p = new common.Policy();
  p.setType(common.Policy.PolicyType.IMPLICIT_META);
  p.setValue(meta.serializeBinary());
  return p;
}

const singleIdentity = new WeakMap<Policy, Map<string, boolean>>();

/**
 * Whether one identity whose signature was already verified satisfies the policy (Fabric's
 * ACL checks of a proposal or request). Cached per policy and identity: the answer depends only
 * on the certificate and the policy, and a configuration update brings new Policy objects.
 */
export function identitySatisfies(policy: Policy, identity: Identity): boolean {
  let cache = singleIdentity.get(policy);
  if (!cache) singleIdentity.set(policy, (cache = new Map()));
  let ok = cache.get(identity.id);
  if (ok === undefined) {
    ok = policy.evaluateIdentities([identity]);
    if (cache.size >= 10_000) cache.clear();
    cache.set(identity.id, ok);
  }
  return ok;
}
