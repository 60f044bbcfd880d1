// Every error leaves the gateway as JSON {code, message[, details]} with the status of its code
// in the catalogue. Unknown failures are logged (without request bodies) and answered INTERNAL.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { CodedError, ERRORS, type ErrorCode } from '@ehr/common';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** express-openapi-validator and body-parser errors carry a status; map them to our codes. */
function fromHttpError(err: {
  status?: number;
  statusCode?: number;
  type?: string;
  errors?: unknown;
}): CodedError | undefined {
  const status = err.status ?? err.statusCode;
  if (typeof status !== 'number') return undefined;
  if (err.type === 'entity.too.large' || status === 413) return new CodedError('PAYLOAD_TOO_LARGE');
  if (err.type === 'entity.parse.failed')
    return new CodedError('BAD_REQUEST', 'The request body is not valid JSON.');
  if (status === 415)
    return new CodedError('UNSUPPORTED_MEDIA_TYPE', 'This content type is not accepted here.');
  if (status === 404 || status === 405) return new CodedError('NOT_FOUND', 'No such endpoint.');
  if (status === 400 && Array.isArray(err.errors)) {
    const fields = err.errors.map((e: { path?: string; message?: string }) => ({
      path: String(e.path ?? '')
        .replace(/^\/(body|query|params|headers)\/?/, '$1.')
        .replace(/\//g, '.'),
      message: String(e.message ?? ''),
    }));
    return new CodedError('VALIDATION_FAILED', ERRORS.VALIDATION_FAILED.message, { fields });
  }
  if (status === 401) return new CodedError('UNAUTHENTICATED');
  if (status === 403) return new CodedError('FORBIDDEN_ROLE');
  if (status >= 400 && status < 500) return new CodedError('BAD_REQUEST');
  return undefined;
}

export function toCodedError(err: unknown): CodedError {
  if (err instanceof CodedError) return err;
  if (err && typeof err === 'object' && (err as { code?: unknown }).code === 'EBADCSRFTOKEN') {
    return new CodedError('CSRF_INVALID');
  }
  if (err && typeof err === 'object') {
    const mapped = fromHttpError(err as Parameters<typeof fromHttpError>[0]);
    if (mapped) return mapped;
  }
  return new CodedError('INTERNAL');
}

export function errorBody(e: CodedError): ErrorBody {
  return e.details
    ? { code: e.code, message: e.message, details: publicDetails(e.details) }
    : { code: e.code, message: e.message };
}

/** Details meant for the caller only; anything named like a secret is dropped defensively. */
function publicDetails(details: Record<string, unknown>): Record<string, unknown> | undefined {
  const out = Object.fromEntries(
    Object.entries(details).filter(
      ([k]) => !/password|secret|privatekey|token|^otp|^code$/i.test(k),
    ),
  );
  return Object.keys(out).length ? out : undefined;
}

export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) return next(err);
  const coded = toCodedError(err);
  if (coded.code === 'INTERNAL') req.log?.error({ err }, 'request failed');
  else if (coded.status >= 503) req.log?.warn({ code: coded.code }, 'dependency unavailable');
  const retry = coded.details?.retryAfterSeconds;
  if (typeof retry === 'number')
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retry))));
  res.status(coded.status).json(errorBody(coded));
};

/** Routes the document describes but a later issue implements: an honest 501, never fake data. */
export const notImplemented: RequestHandler = (_req, _res, next) => {
  next(new CodedError('NOT_IMPLEMENTED'));
};
