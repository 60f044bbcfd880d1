// Which peers must endorse: the smallest set of the channel's peers whose identities satisfy
// the chaincode's endorsement policy, preferring sets that include the gateway's own peer
// (Fabric's gateway asks its local peer first, then the layout discovery computes).
import type { Identity } from '../msp';
import type { Policy } from '../policies';

export interface PlannedPeer {
  mspId: string;
  identity: Identity;
}

export function endorsementPlan<P extends PlannedPeer>(policy: Policy, peers: P[], local: P): P[] | undefined {
  const others = peers.filter((p) => p !== local);
  const ordered = [local, ...others];
  const n = ordered.length;
  const subsets: P[][] = [];
  for (let mask = 1; mask < 1 << n; mask++) {
    subsets.push(ordered.filter((_, i) => mask & (1 << i)));
  }
  subsets.sort((a, b) => a.length - b.length || Number(b.includes(local)) - Number(a.includes(local)));
  for (const subset of subsets) {
    if (policy.evaluateIdentities(subset.map((p) => p.identity))) return subset;
  }
  return undefined;
}
