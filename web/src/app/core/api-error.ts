// Turns any failed call into words a person understands, keyed by the gateway's stable error
// code. The sentences come from the one catalogue (@ehr/common); only the details a code carries
// (attempts left, seconds to wait, bad fields, bad CSV lines) are put into words here.
import { HttpErrorResponse } from '@angular/common/http';
import { ERRORS, isErrorCode, type ErrorCode } from '@ehr/common';

export interface FieldProblem {
  path: string;
  message: string;
}

export interface LineProblem {
  line: number;
  field?: string;
  message: string;
}

export interface ShownError {
  /** The catalogue code, or NETWORK when the gateway could not be reached. */
  code: ErrorCode | 'NETWORK' | 'UNKNOWN';
  status: number;
  /** The sentence to show. */
  text: string;
  attemptsRemaining?: number;
  retryAfterSeconds?: number;
  fields: FieldProblem[];
  lines: LineProblem[];
}

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  details?: Record<string, unknown>;
}

export function waitInWords(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

function parseBody(raw: unknown): ErrorBody | undefined {
  if (raw && typeof raw === 'object') return raw as ErrorBody;
  if (typeof raw === 'string') {
    try {
      return JSON.parse(raw) as ErrorBody;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The error as shown to a person. Blob bodies (downloads) must go through `describeErrorAsync`. */
export function describeError(err: unknown, body?: unknown): ShownError {
  if (!(err instanceof HttpErrorResponse)) {
    return { code: 'UNKNOWN', status: 0, text: ERRORS.INTERNAL.message, fields: [], lines: [] };
  }
  if (err.status === 0) {
    return {
      code: 'NETWORK',
      status: 0,
      text: 'The hospital’s server cannot be reached. Please check your connection and try again.',
      fields: [],
      lines: [],
    };
  }
  const parsed = parseBody(body ?? err.error);
  const code = isErrorCode(parsed?.code) ? parsed.code : undefined;
  const details = parsed?.details ?? {};
  const retryHeader = Number(err.headers?.get('Retry-After'));
  const retryAfterSeconds =
    typeof details['retryAfterSeconds'] === 'number'
      ? details['retryAfterSeconds']
      : Number.isFinite(retryHeader) && retryHeader > 0
        ? retryHeader
        : undefined;
  const attemptsRemaining =
    typeof details['attemptsRemaining'] === 'number' ? details['attemptsRemaining'] : undefined;
  const fields = Array.isArray(details['fields']) ? (details['fields'] as FieldProblem[]) : [];
  const lines = Array.isArray(details['lines']) ? (details['lines'] as LineProblem[]) : [];

  let text = code
    ? ERRORS[code].message
    : err.status >= 500
      ? ERRORS.INTERNAL.message
      : `The request was refused (${err.status}).`;
  if (attemptsRemaining !== undefined) {
    text +=
      attemptsRemaining > 0
        ? ` ${attemptsRemaining} attempt${attemptsRemaining === 1 ? '' : 's'} left.`
        : ' No attempts left.';
  }
  if (retryAfterSeconds !== undefined)
    text += ` You can try again in ${waitInWords(retryAfterSeconds)}.`;
  return {
    code: code ?? 'UNKNOWN',
    status: err.status,
    text,
    attemptsRemaining,
    retryAfterSeconds,
    fields,
    lines,
  };
}

/** As `describeError`, reading a Blob error body first (responseType 'blob' downloads). */
export async function describeErrorAsync(err: unknown): Promise<ShownError> {
  if (err instanceof HttpErrorResponse && err.error instanceof Blob) {
    return describeError(err, await err.error.text().catch(() => undefined));
  }
  return describeError(err);
}
