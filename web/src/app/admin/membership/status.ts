import type { MemberProposal } from '../../api/generated/models/member-proposal';

/** A proposal's state in words. */
export function statusLabel(p: MemberProposal): string {
  if (p.status === 'open') return p.expired ? 'Expired' : 'Open';
  if (p.status === 'approved')
    return p.submittedAt ? 'Approved, channel updated' : 'Approved, update not yet submitted';
  return p.status === 'rejected' ? 'Rejected' : 'Withdrawn';
}
