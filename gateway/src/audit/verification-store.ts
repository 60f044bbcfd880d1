// The auditors' verify runs in this gateway's database (table anchor_verifications): every run
// is kept, with the account that ran it; the auditor view shows the newest. A gateway restart
// loses none of them.
import type { VerificationStore } from '@ehr/evm-anchor/auditor';
import type { Database } from '../db/database';

export function databaseVerificationStore(db: Database): VerificationStore {
  const { AnchorVerification, User } = db.models;
  return {
    async record(report, by) {
      // Loaded with the auditor view itself (audit-routes.ts), never before.
      const { verificationResult } = await import('@ehr/evm-anchor/auditor');
      const r = verificationResult(report);
      await AnchorVerification.create({
        channel: report.channel,
        ok: r.ok,
        checkedAt: new Date(r.checkedAt),
        checkedBy: by ?? null,
        ledgerHeight: String(r.ledgerHeight),
        blocksChecked: String(r.blocksChecked),
        anchorsMatched: r.anchorsMatched,
        anchorsChecked: r.anchorsChecked,
        problemCount: report.problems.length,
        firstMismatchBlock: r.firstMismatch ? String(r.firstMismatch.block) : null,
        firstMismatch: r.firstMismatch?.reason ?? null,
      });
    },

    async latest(channel) {
      const row = await AnchorVerification.findOne({
        where: { channel },
        order: [
          ['checkedAt', 'DESC'],
          ['id', 'DESC'],
        ],
      });
      if (!row) return undefined;
      const by = row.checkedBy
        ? await User.findByPk(row.checkedBy, { attributes: ['username', 'fullName'] })
        : null;
      return {
        ok: row.ok,
        checkedAt: row.checkedAt.toISOString(),
        ...(by ? { checkedBy: { username: by.username, fullName: by.fullName } } : {}),
        ledgerHeight: Number(row.ledgerHeight),
        blocksChecked: Number(row.blocksChecked),
        anchorsMatched: row.anchorsMatched,
        anchorsChecked: row.anchorsChecked,
        ...(row.firstMismatch !== null && row.firstMismatchBlock !== null
          ? { firstMismatch: { block: Number(row.firstMismatchBlock), reason: row.firstMismatch } }
          : {}),
      };
    },
  };
}
