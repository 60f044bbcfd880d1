// A Bloom filter of the committed transaction ids. Almost every lookup is for an id that is not
// on the ledger (each proposal and each transaction is checked for a duplicate); the filter
// answers those without LevelDB, which has no Bloom filter of its own in classic-level. A "maybe"
// is always confirmed in LevelDB, so a false positive costs one read and is never wrong.
import { createHash } from 'node:crypto';

const BITS_LOG2 = 24; // 2 MiB of bits: ~1% false positives at a million ids
const HASHES = 7;

export class TxIdFilter {
  private readonly bits = new Uint8Array(1 << (BITS_LOG2 - 3));

  private *positions(txId: string): Generator<number> {
    const d = createHash('sha256').update(txId).digest();
    for (let i = 0; i < HASHES; i++) yield d.readUIntBE(i * 3, 3) & ((1 << BITS_LOG2) - 1);
  }

  add(txId: string): void {
    for (const p of this.positions(txId)) this.bits[p >> 3] |= 1 << (p & 7);
  }

  mightContain(txId: string): boolean {
    for (const p of this.positions(txId)) if (!(this.bits[p >> 3] & (1 << (p & 7)))) return false;
    return true;
  }
}
