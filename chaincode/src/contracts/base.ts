// What every contract shares: an unknown transaction name is a coded error like any other bad
// input (fabric-contract-api's default message carries no catalogue code).
import { Contract, type Context } from 'fabric-contract-api';
import { fail } from '../errors';

export class EhrContract extends Contract {
  override async unknownTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    fail('BAD_REQUEST', `unknown transaction ${fcn.slice(0, 100)}`);
  }
}
