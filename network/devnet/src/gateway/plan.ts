// Which peers must endorse: the smallest set of the channel's peers whose identities satisfy
// every policy the transaction needs (the chaincode's, and the key-level policies of the keys it
// writes), preferring sets that include the gateway's own peer (Fabric's gateway asks its local
// peer first, then takes a layout discovery computes for the proposal's ChaincodeInterest).
import type { Identity } from '../msp';
import type { Policy } from '../policies';

export interface PlannedPeer {
  mspId: string;
  identity: Identity;
}

export function endorsementPlan<P extends PlannedPeer>(
  policies: Policy[],
  peers: P[],
  local: P,
): P[] | undefined {
  const others = peers.filter((p) => p !== local);
  const ordered = [local, ...others];
  const n = ordered.length;
  const subsets: P[][] = [];
  for (let mask = 1; mask < 1 << n; mask++) {
    subsets.push(ordered.filter((_, i) => mask & (1 << i)));
  }
  subsets.sort(
    (a, b) => a.length - b.length || Number(b.includes(local)) - Number(a.includes(local)),
  );
  for (const subset of subsets) {
    const identities = subset.map((p) => p.identity);
    if (policies.every((policy) => policy.evaluateIdentities(identities))) return subset;
  }
  return undefined;
}
