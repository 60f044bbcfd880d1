// The auditor's check: every block of the channel, fetched from a peer, is re-hashed and
// re-linked (data hash, previous hash → header hash chain), its orderer signatures are checked
// against the orderer organisations of the channel configuration, and every anchor recorded on
// Ethereum must equal the header hash of the block it names. Nothing here trusts the peer: a
// block that was altered, dropped or reordered breaks the chain, a signature or an anchor.
import { headerHashOf, verifyBlockLink } from '@ehr/network';
import type { common } from '@hyperledger/fabric-protos';
import type { AnchorEvent } from '../contract/anchor-contract';
import type { Explorer } from '../explorer';
import type { BlockSource } from '../fabric/deliver';
import { OrdererTrust } from '../fabric/orderer-trust';

export interface Problem {
  /** The Fabric block the problem is found at. */
  block: bigint;
  reason: string;
}

export interface AnchorCheck {
  blockNumber: bigint;
  headerHash: string;
  member: string;
  ethBlock: number;
  txHash: string;
  link: string;
  status: 'matched' | 'mismatch' | 'missing-block';
}

export interface VerifyReport {
  channel: string;
  /** Blocks the peer holds (newest number + 1). */
  height: bigint;
  blocksChecked: number;
  anchorsMatched: number;
  anchorsTotal: number;
  /** The newest anchored block number, if any anchor exists. */
  lastAnchoredBlock?: bigint;
  /** Blocks after the newest anchor: covered by the hash chain and orderer signatures only. */
  unanchoredBlocks: bigint;
  anchors: AnchorCheck[];
  problems: Problem[];
  firstMismatch?: Problem;
  ok: boolean;
  contract?: { address: string; link: string };
  checkedAt: string;
}

export interface VerifyOptions {
  channel: string;
  source: BlockSource;
  anchors: readonly AnchorEvent[];
  explorer: Explorer;
  contractAddress?: string;
  /** Called after each block (progress display). */
  onBlock?: (number: bigint, height: bigint) => void;
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;

export async function verifyLedger(opts: VerifyOptions): Promise<VerifyReport> {
  const problems: Problem[] = [];
  const newest = await opts.source.newest();
  const height = BigInt(newest.getHeader()?.getNumber() ?? -1) + 1n;

  // Header hashes are kept only for the anchored block numbers.
  const wanted = new Map<bigint, string | undefined>(
    opts.anchors.map((a) => [a.blockNumber, undefined]),
  );
  let previous: Uint8Array | undefined;
  let trust: OrdererTrust | undefined;
  let checked = 0;
  for await (const block of opts.source.blocks(0n, height - 1n)) {
    const number = BigInt(block.getHeader()?.getNumber() ?? -1);
    try {
      previous = verifyBlockLink(block, previous);
    } catch (e) {
      problems.push({ block: number, reason: (e as Error).message });
      // Go on from the header as served, so later blocks and anchors are still each checked.
      previous = headerHashOrUndefined(block);
    }
    try {
      if (number === 0n) trust = OrdererTrust.fromConfigBlock(block);
      else if (trust) trust.check(block);
      else
        throw new Error(
          `block ${number}: no valid genesis configuration to check its signatures against`,
        );
    } catch (e) {
      problems.push({ block: number, reason: (e as Error).message });
    }
    if (wanted.has(number) && previous) wanted.set(number, hex(previous));
    checked++;
    opts.onBlock?.(number, height);
  }

  const anchors: AnchorCheck[] = opts.anchors.map((a) => {
    const actual = wanted.get(a.blockNumber);
    const status: AnchorCheck['status'] =
      actual === undefined
        ? 'missing-block'
        : actual.toLowerCase() === a.headerHash.toLowerCase()
          ? 'matched'
          : 'mismatch';
    if (status === 'mismatch') {
      problems.push({
        block: a.blockNumber,
        reason: `block ${a.blockNumber}: header hash ${actual} differs from the anchor ${a.headerHash} (Ethereum tx ${a.txHash})`,
      });
    } else if (status === 'missing-block') {
      problems.push({
        block: a.blockNumber,
        reason: `block ${a.blockNumber} is anchored (Ethereum tx ${a.txHash}) but the peer's ledger ends at block ${height - 1n}`,
      });
    }
    return {
      blockNumber: a.blockNumber,
      headerHash: a.headerHash,
      member: a.member,
      ethBlock: a.ethBlock,
      txHash: a.txHash,
      link: opts.explorer.tx(a.txHash),
      status,
    };
  });
  problems.sort((x, y) => (x.block < y.block ? -1 : x.block > y.block ? 1 : 0));
  const lastAnchoredBlock = opts.anchors.length
    ? opts.anchors[opts.anchors.length - 1].blockNumber
    : undefined;
  return {
    channel: opts.channel,
    height,
    blocksChecked: checked,
    anchorsMatched: anchors.filter((a) => a.status === 'matched').length,
    anchorsTotal: anchors.length,
    lastAnchoredBlock,
    unanchoredBlocks:
      lastAnchoredBlock === undefined
        ? height
        : height - 1n - lastAnchoredBlock > 0n
          ? height - 1n - lastAnchoredBlock
          : 0n,
    anchors,
    problems,
    firstMismatch: problems[0],
    // No anchor at all proves nothing about history: that is not a pass.
    ok: problems.length === 0 && checked === Number(height) && anchors.length > 0,
    contract: opts.contractAddress
      ? { address: opts.contractAddress, link: opts.explorer.address(opts.contractAddress) }
      : undefined,
    checkedAt: new Date().toISOString(),
  };
}

function headerHashOrUndefined(block: common.Block): Buffer | undefined {
  try {
    return headerHashOf(block);
  } catch {
    return undefined;
  }
}

/** The report as lines for a terminal; see README (anchor: verify) for what each line means. */
export function formatReport(r: VerifyReport): string[] {
  const lines = [
    `channel            ${r.channel}`,
    ...(r.contract ? [`anchor contract    ${r.contract.address}  ${r.contract.link}`] : []),
    `blocks checked     ${r.blocksChecked} of ${r.height} (data hashes, header hash chain, orderer signatures)`,
    `anchors matched    ${r.anchorsMatched} of ${r.anchorsTotal}`,
    `last anchored      ${r.lastAnchoredBlock ?? 'none'}; blocks after it: ${r.unanchoredBlocks} (covered by signatures only until the next anchor)`,
  ];
  for (const a of r.anchors) {
    lines.push(
      `  anchor block ${a.blockNumber}  ${a.status.padEnd(13)} ${a.headerHash}  by ${a.member}  ${a.link}`,
    );
  }
  lines.push(`first mismatch     ${r.firstMismatch ? r.firstMismatch.reason : 'none'}`);
  if (r.problems.length > 1) lines.push(`problems           ${r.problems.length} (first shown)`);
  if (r.anchorsTotal === 0)
    lines.push('result             FAIL: no anchor recorded yet, nothing proves the history');
  else lines.push(`result             ${r.ok ? 'OK: the ledger matches every anchor' : 'FAIL'}`);
  return lines;
}
