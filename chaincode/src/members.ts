// Which hospitals are members: the founding hospitals named at deployment, then those admitted
// by a majority of registered members. Channel membership is decided by the channel
// configuration; this is the chaincode's own list of who may act and receive data keys.
import type { Hospital } from './api';
import type { TxContext } from './context';
import type { Caller } from './identity';
import { fail } from './errors';
import { KEY, get } from './state';

export async function hospitalOf(ctx: TxContext, mspId: string): Promise<Hospital | undefined> {
  return get<Hospital>(ctx, KEY.hospital, [mspId]);
}

/** The caller's hospital must be registered before its people may act on records. */
export async function requireMember(ctx: TxContext, caller: Caller): Promise<Hospital> {
  const hospital = await hospitalOf(ctx, caller.mspId);
  if (!hospital) fail('HOSPITAL_NOT_REGISTERED', `${caller.mspId} is not a registered hospital`);
  return hospital;
}
