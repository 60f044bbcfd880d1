// CSRF protection for the portal: the synchroniser-token pattern (csrf-sync), the token kept in
// the PostgreSQL session and sent back by the client in X-CSRF-Token on every state change.
import type { Request, RequestHandler } from 'express';
import { csrfSync } from 'csrf-sync';

export interface CsrfTokens {
  protect: RequestHandler;
  /** The session's token, created when missing. */
  token(req: Request): string;
}

export function csrfTokens(): CsrfTokens {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) => req.get('x-csrf-token'),
  });
  return { protect: csrfSynchronisedProtection, token: (req) => generateToken(req, false) };
}
