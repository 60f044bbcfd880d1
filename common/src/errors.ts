// The one catalogue of error codes. The chaincode throws them, the gateway maps them to HTTP
// statuses, the portal turns them into words. A code never changes meaning once released.

export interface ErrorSpec {
  /** HTTP status the gateway answers with. */
  status: number;
  /** A sentence a person understands; the portal may say it in its own words. */
  message: string;
}

export const ERRORS = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  VALIDATION_FAILED: { status: 400, message: 'Some fields are missing or invalid.' },
  UNAUTHENTICATED: { status: 401, message: 'Please sign in.' },
  FORBIDDEN_ROLE: { status: 403, message: 'Your role does not allow this action.' },
  ACCESS_DENIED: { status: 403, message: 'You do not have access to this record.' },
  CONSENT_EXPIRED: { status: 403, message: 'The patient’s consent for this record has expired.' },
  CONSENT_REVOKED: { status: 403, message: 'The patient revoked access to this record.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  CONFLICT: { status: 409, message: 'This conflicts with the current state.' },
  ALREADY_EXISTS: { status: 409, message: 'This already exists.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The file is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This type of file is not accepted.' },
  RATE_LIMITED: { status: 429, message: 'Too many attempts. Please wait and try again.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side.' },
  // Accounts and identity (gateway).
  NOT_IMPLEMENTED: { status: 501, message: 'This feature is not available yet.' },
  CAPTCHA_INVALID: {
    status: 400,
    message: 'The characters from the picture do not match. Please try a new picture.',
  },
  INVALID_CREDENTIALS: { status: 401, message: 'The username or password is wrong.' },
  SESSION_EXPIRED: { status: 401, message: 'Your session ended. Please sign in again.' },
  ACCOUNT_DISABLED: {
    status: 403,
    message: 'This account is disabled. Please contact the hospital.',
  },
  CSRF_INVALID: {
    status: 403,
    message: 'The page is out of date. Please reload it and try again.',
  },
  PASSWORDS_DO_NOT_MATCH: { status: 400, message: 'The password and its confirmation differ.' },
  USERNAME_TAKEN: { status: 409, message: 'This username is already taken.' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this e-mail already exists.' },
  GOV_ID_UNKNOWN: { status: 404, message: 'This government ID is not in the registry.' },
  GOV_ID_REGISTERED: { status: 409, message: 'An account already exists for this government ID.' },
  OTP_INVALID: { status: 400, message: 'The code is wrong.' },
  OTP_EXPIRED: { status: 410, message: 'The code has expired. Please ask for a new one.' },
  OTP_ATTEMPTS_EXCEEDED: {
    status: 429,
    message: 'Too many wrong codes. Please ask for a new one.',
  },
  OTP_SEND_LIMIT: {
    status: 429,
    message: 'Too many codes were sent for this ID. Please wait and try again.',
  },
  REGISTRY_CSV_INVALID: {
    status: 422,
    message: 'The registry file has invalid lines; nothing was imported.',
  },
  CA_UNAVAILABLE: {
    status: 503,
    message: 'The identity service is unreachable. Please try again.',
  },
  SMS_UNAVAILABLE: {
    status: 503,
    message: 'The text message could not be sent. Please try again.',
  },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unreachable. Please try again.' },
  // Chaincode (ledger rules); thrown as "CODE: detail" and parsed by the gateway with codeInMessage.
  MISSING_ARGUMENT: { status: 400, message: 'A required field is missing.' },
  INVALID_ARGUMENT: { status: 400, message: 'A field has the wrong type or format.' },
  ARGUMENT_TOO_LONG: { status: 400, message: 'A field is longer than allowed.' },
  INVALID_CID: { status: 400, message: 'The content identifier (CID) is malformed.' },
  INVALID_HASH: {
    status: 400,
    message: 'The hash must be a SHA-256 digest in lowercase hexadecimal.',
  },
  REASON_TOO_SHORT: { status: 400, message: 'Please state the reason in at least 20 characters.' },
  NOT_ASSIGNED: {
    status: 403,
    message: 'You are not assigned to this patient and hold no write consent.',
  },
  HOSPITAL_NOT_REGISTERED: {
    status: 403,
    message: 'This hospital is not a registered member of the consortium.',
  },
  WRAPPED_KEY_MISSING: {
    status: 400,
    message: 'A data key wrapped for a hospital that needs it is missing.',
  },
  WRAPPED_KEY_UNEXPECTED: {
    status: 400,
    message: 'A data key was wrapped for a hospital that must not receive it.',
  },
  STALE_HOSPITAL_KEY: {
    status: 409,
    message: 'The hospital’s encryption key changed. Please try again.',
  },
  KEY_NOT_AVAILABLE: {
    status: 409,
    message: 'This record’s data key is not available to your hospital.',
  },
  LEDGER_UNAVAILABLE: { status: 503, message: 'The ledger is unreachable. Please try again.' },
  // A write handed to the orderer whose commit was not confirmed (details.transactionId): it may
  // still be applied, so a blind retry could apply it twice.
  LEDGER_OUTCOME_UNKNOWN: {
    status: 503,
    message:
      'The ledger has not confirmed the change yet; it may still be applied. Please check before trying again.',
  },
  STORAGE_UNAVAILABLE: { status: 503, message: 'File storage is unreachable. Please try again.' },
  ANCHOR_UNAVAILABLE: {
    status: 503,
    message: 'The Ethereum anchor is unreachable. Please try again.',
  },
  // Records (gateway): files checked on the way in and on the way out.
  FILE_EMPTY: { status: 400, message: 'The file is empty.' },
  CONTENT_INTEGRITY_FAILED: {
    status: 502,
    message: 'The stored file failed its integrity check and was not delivered.',
  },
  // Consortium membership (chaincode hospitals contract and the gateway's membership routes).
  PROPOSAL_CLOSED: { status: 409, message: 'This membership proposal is no longer open.' },
  PROPOSAL_EXPIRED: { status: 410, message: 'This membership proposal has expired.' },
  SIGNATURE_INVALID: {
    status: 400,
    message: 'The signature is not a valid signature of your identity over this update.',
  },
  CONFIG_UPDATE_INVALID: {
    status: 400,
    message: 'The channel configuration update does not match the proposal.',
  },
  CONFIG_UPDATE_STALE: {
    status: 409,
    message:
      'The channel configuration changed since this proposal was made. Please propose the hospital again.',
  },
  CONFIG_UPDATE_REFUSED: {
    status: 502,
    message: 'The ordering service refused the channel configuration update.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

/** An error that carries a catalogue code across process and ledger boundaries. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERRORS[code].message,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CodedError';
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  /** Text form used in chaincode error messages: "CODE: message". */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** Finds a catalogue code at the start of a message such as "chaincode response 500, ACCESS_DENIED: ...". */
export function codeInMessage(text: string): ErrorCode | undefined {
  const m = /\b([A-Z][A-Z_]{2,})(?=: )/.exec(text);
  return m && isErrorCode(m[1]) ? m[1] : undefined;
}
