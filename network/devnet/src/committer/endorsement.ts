// Endorsement policies at commit, as Fabric's builtin v20 validation plugin evaluates them with
// state-based endorsement (core/common/validation/statebased): for each namespace a transaction
// writes, every write and metadata write of a key that has its own endorsement policy — the
// VALIDATION_PARAMETER entry of the key's metadata as committed before the block, a marshalled
// SignaturePolicyEnvelope — is checked against that policy instead of the chaincode's; the
// chaincode's policy covers the other keys, and is checked once when no policy was.
// A key's policy is read from committed state, so a transaction that changes it is checked
// against the policy it replaces. When an earlier transaction of the same block wrote the key's
// metadata and passed its endorsement checks for that namespace, the policy in state is no
// longer the one that will apply: Fabric fails the later transaction
// (ValidationParameterUpdatedError → ENDORSEMENT_POLICY_FAILURE), and so does devnet.
// Transactions are evaluated here in block order; their signatures were verified before, in
// parallel (validator.ts).
import type { StateReader } from '../interfaces';
import type { Identity } from '../msp';
import { keyLevelPolicy, type Policy } from '../policies';
import type { NamespaceRwSet } from '../ledger/transaction';

/** What the policy checks need of an endorser transaction that passed every check before them. */
export interface EndorsementCheck {
  /** The namespaces it writes (the invoked chaincode's always), with their chaincode policy. */
  namespaces: Map<string, Policy>;
  nsRwSets: NamespaceRwSet[];
  /** The endorsers whose signatures verified, each once (SignatureSetToValidIdentities). */
  endorsers: Identity[];
}

/** The endorsement policy checks of one block, fed its transactions in order. */
export class EndorsementPolicies {
  /** namespace → key → the transactions of this block that wrote the key's metadata. */
  private readonly metadataWriters = new Map<string, Map<string, number[]>>();
  /** transaction → the namespaces whose endorsement checks it passed. */
  private readonly passed = new Map<number, Set<string>>();

  constructor(
    private readonly state: StateReader,
    private readonly blockNum: bigint,
  ) {}

  /** Why transaction `txNum`'s endorsements do not satisfy its policies; undefined when they do. */
  async evaluate(txNum: number, check: EndorsementCheck): Promise<string | undefined> {
    const passed = new Set<string>();
    this.passed.set(txNum, passed);
    let failure: string | undefined;
    for (const [ns, chaincodePolicy] of check.namespaces) {
      failure = await this.evaluateNamespace(txNum, ns, chaincodePolicy, check);
      if (failure) break;
      passed.add(ns);
    }
    for (const { namespace, rwset } of check.nsRwSets) {
      for (const m of rwset.getMetadataWritesList()) {
        let keys = this.metadataWriters.get(namespace);
        if (!keys) this.metadataWriters.set(namespace, (keys = new Map()));
        keys.set(m.getKey(), [...(keys.get(m.getKey()) ?? []), txNum]);
      }
    }
    return failure;
  }

  /** An earlier transaction of this block that changed the key's metadata and passed for `ns`. */
  private updatedEarlier(ns: string, key: string): number | undefined {
    return this.metadataWriters
      .get(ns)
      ?.get(key)
      ?.find((txNum) => this.passed.get(txNum)?.has(ns));
  }

  private async evaluateNamespace(
    txNum: number,
    ns: string,
    chaincodePolicy: Policy,
    check: EndorsementCheck,
  ): Promise<string | undefined> {
    const where = `in tx ${this.blockNum}:${txNum}`;
    let chaincodeChecked = false;
    let someChecked = false;
    const checkChaincodePolicy = (): string | undefined => {
      if (chaincodeChecked) return undefined;
      if (!chaincodePolicy.evaluateIdentities(check.endorsers)) {
        return `validation of endorsement policy for chaincode ${ns} ${where} failed: signature set did not satisfy policy`;
      }
      chaincodeChecked = someChecked = true;
      return undefined;
    };
    const rwset = check.nsRwSets.find((s) => s.namespace === ns)?.rwset;
    const keys = [
      ...(rwset?.getWritesList() ?? []).map((w) => w.getKey()),
      ...(rwset?.getMetadataWritesList() ?? []).map((m) => m.getKey()),
    ];
    for (const key of keys) {
      const updatedBy = this.updatedEarlier(ns, key);
      if (updatedBy !== undefined) {
        return `validation parameters for key [${key}] in namespace [${ns}] have been changed in transaction ${updatedBy} of block ${this.blockNum}`;
      }
      const policy = keyLevelPolicy((await this.state.getState(ns, key))?.metadata);
      if (!policy) {
        const failure = checkChaincodePolicy();
        if (failure) return failure;
        continue;
      }
      if (policy instanceof Error) return `${policy.message} for ${ns}:${key}`;
      if (!policy.evaluateIdentities(check.endorsers)) {
        return `validation of key ${key} (coll'':ns'${ns}') ${where} failed: signature set did not satisfy policy`;
      }
      someChecked = true;
    }
    return someChecked ? undefined : checkChaincodePolicy();
  }
}
