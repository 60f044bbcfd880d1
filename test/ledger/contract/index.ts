// The ledger conformance suite's contract (chaincode "ledgertest"): the smallest contract that
// exercises what the suite checks — writes and reads, read-modify-write on one key (MVCC), a
// chaincode event, a chaincode error, a key's own endorsement policy. Run by
// `fabric-chaincode-node server` like any CCaaS chaincode; never part of the system.
import { Context, Contract } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';

export class LedgerTestContract extends Contract {
  constructor() {
    super('ledgertest');
  }

  async Put(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
  }

  async Get(ctx: Context, key: string): Promise<string> {
    return Buffer.from(await ctx.stub.getState(key)).toString('utf8');
  }

  /** Reads a counter and writes it + 1: concurrent calls conflict on the key's version. */
  async Increment(ctx: Context, key: string): Promise<string> {
    const current = Number(Buffer.from(await ctx.stub.getState(key)).toString('utf8') || '0');
    const next = String(current + 1);
    await ctx.stub.putState(key, Buffer.from(next));
    return next;
  }

  /** Writes a value and emits it as a chaincode event. */
  async Emit(ctx: Context, name: string, payload: string): Promise<void> {
    await ctx.stub.putState(`event/${ctx.stub.getTxID()}`, Buffer.from(payload));
    ctx.stub.setEvent(name, Buffer.from(payload));
  }

  /**
   * Gives the key its own endorsement policy (state-based endorsement): from now on a peer of
   * each organisation named (a JSON array of MSP ids) must endorse its writes, instead of what
   * the chaincode's policy asks. The key must exist: a peer drops metadata of a missing key.
   */
  async SetKeyEndorsers(ctx: Context, key: string, mspIds: string): Promise<void> {
    const policy = new KeyEndorsementPolicy();
    policy.addOrgs('PEER', ...(JSON.parse(mspIds) as string[]));
    await ctx.stub.setStateValidationParameter(key, policy.getPolicy());
  }

  /** Always fails with the given message (a chaincode error response). */
  async Fail(_ctx: Context, message: string): Promise<void> {
    throw new Error(message);
  }
}

export const contracts = [LedgerTestContract];
