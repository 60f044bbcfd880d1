// Checks one block against its predecessor: the data hash recomputed from the envelopes (with
// Fabric 3.x's well-formedness checks) and previous_hash equal to the header hash before it.
import type { common } from '@hyperledger/fabric-protos';
import { blockDataHash } from './data';
import { blockHeaderHash } from './header';

export class BrokenChainError extends Error {
  override name = 'BrokenChainError';
}

export function headerHashOf(block: common.Block): Buffer {
  const header = block.getHeader();
  if (!header) throw new BrokenChainError('block has no header');
  return blockHeaderHash({
    number: header.getNumber(),
    previousHash: header.getPreviousHash_asU8(),
    dataHash: header.getDataHash_asU8(),
  });
}

/**
 * Verifies `block`'s data hash and its link to `previous` (undefined for block 0, whose
 * previous_hash must be empty). Returns the block's header hash, to chain the next call.
 */
export function verifyBlockLink(
  block: common.Block,
  previousHeaderHash: Uint8Array | undefined,
): Buffer {
  const header = block.getHeader();
  if (!header) throw new BrokenChainError('block has no header');
  const number = header.getNumber();
  let dataHash: Buffer;
  try {
    dataHash = blockDataHash(block.getData()?.getDataList_asU8() ?? []);
  } catch (e) {
    throw new BrokenChainError(`block ${number}: ${(e as Error).message}`);
  }
  if (!dataHash.equals(header.getDataHash_asU8())) {
    throw new BrokenChainError(`block ${number}: data hash does not match its data`);
  }
  const expectedPrevious = previousHeaderHash ?? new Uint8Array();
  if (!Buffer.from(expectedPrevious).equals(header.getPreviousHash_asU8())) {
    throw new BrokenChainError(`block ${number}: previous hash does not match block ${number - 1}`);
  }
  return headerHashOf(block);
}
