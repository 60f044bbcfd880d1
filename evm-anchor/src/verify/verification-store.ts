// The last verification of a channel, as the auditor view reports it: when, by whom, what was
// checked, the first mismatch and pass/fail. Kept by a store: a file in the data directory for
// the command line (`anchor verify` / `anchor status`), the gateway's database for the portal.
import type { Network } from '@ehr/network';
import { lastVerifyFile, readJson, writeJson } from '../state-files';
import type { VerifyReport } from './verify-ledger';

/** The gateway API's `VerificationResult` (gateway/openapi.yaml). */
export interface VerificationResult {
  ok: boolean;
  checkedAt: string;
  /** Who ran it, when the store knows people (the gateway's does; the file does not). */
  checkedBy?: { username: string; fullName: string };
  /** Blocks the peer held (0 … ledgerHeight − 1). */
  ledgerHeight: number;
  blocksChecked: number;
  anchorsMatched: number;
  anchorsChecked: number;
  /** The lowest block with a problem, and the problem. */
  firstMismatch?: { block: number; reason: string };
}

export interface VerificationStore {
  /** The newest recorded verification of the channel. */
  latest(channel: string): Promise<VerificationResult | undefined>;
  /** Records a finished run; `by` is who ran it, in the store's own terms (the gateway: a user id). */
  record(report: VerifyReport, by?: string): Promise<void>;
}

/**
 * A report as a result. Numbers may arrive as bigints (a fresh report) or decimal strings (a
 * report read back from its JSON file): Number() reads both.
 */
export function verificationResult(report: VerifyReport): VerificationResult {
  return {
    ok: report.ok,
    checkedAt: report.checkedAt,
    ledgerHeight: Number(report.height),
    blocksChecked: report.blocksChecked,
    anchorsMatched: report.anchorsMatched,
    anchorsChecked: report.anchorsTotal,
    ...(report.firstMismatch
      ? {
          firstMismatch: {
            block: Number(report.firstMismatch.block),
            reason: report.firstMismatch.reason,
          },
        }
      : {}),
  };
}

/** The whole report in <data dir>/anchor/last-verify-<channel>.json (README: anchor, verify). */
export function fileVerificationStore(net: Network): VerificationStore {
  return {
    async latest(channel) {
      const report = readJson<VerifyReport>(lastVerifyFile(net, channel));
      return report && verificationResult(report);
    },
    async record(report) {
      writeJson(lastVerifyFile(net, report.channel), report);
    },
  };
}
