// Errors thrown by transactions. fabric-contract-api answers a thrown error with
// "chaincode response 500, <message>", so the message begins with the catalogue code and the
// gateway finds it with codeInMessage().
import { ERRORS, type ErrorCode } from '@ehr/common';

export class ChaincodeError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ChaincodeError';
  }
}

/** Throws a coded error; the detail says which field or object, never any health data. */
export function fail(code: ErrorCode, detail: string = ERRORS[code].message): never {
  throw new ChaincodeError(code, detail);
}
