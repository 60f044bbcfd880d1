// HTTP policy for every call to the gateway: the CSRF header on state changes (fetching a
// token first when there is none, and once more if the server says it is stale), the moment of
// the last server contact (the idle timer counts from it), and the end of the session on 401.
import {
  HttpClient,
  HttpErrorResponse,
  type HttpInterceptorFn,
  HttpResponse,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, map, Observable, of, switchMap, tap, throwError } from 'rxjs';
import { getCsrfToken } from '../api/generated/fn/auth/get-csrf-token';
import { ApiConfiguration } from '../api/generated/api-configuration';
import { CsrfStore } from './csrf.store';
import { SessionActivity } from './session-activity';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function errorCode(err: unknown): string | undefined {
  if (!(err instanceof HttpErrorResponse)) return undefined;
  const body = err.error as { code?: unknown } | null;
  return body && typeof body === 'object' && typeof body.code === 'string' ? body.code : undefined;
}

export const csrfInterceptor: HttpInterceptorFn = (req, next) => {
  if (SAFE.has(req.method) || req.url.endsWith('/auth/csrf')) return next(req);
  const store = inject(CsrfStore);
  const http = inject(HttpClient);
  const config = inject(ApiConfiguration);
  const fetchToken = (): Observable<string> =>
    getCsrfToken(http, config.rootUrl).pipe(
      map((r) => r.body.csrfToken),
      tap((t) => (store.token = t)),
    );
  const send = (token: string) => next(req.clone({ setHeaders: { 'X-CSRF-Token': token } }));
  const token$ = store.token ? of(store.token) : fetchToken();
  return token$.pipe(
    switchMap((t) =>
      send(t).pipe(
        catchError((err: unknown) =>
          errorCode(err) === 'CSRF_INVALID'
            ? fetchToken().pipe(switchMap((fresh) => send(fresh)))
            : throwError(() => err),
        ),
      ),
    ),
  );
};

export const activityInterceptor: HttpInterceptorFn = (req, next) => {
  const activity = inject(SessionActivity);
  return next(req).pipe(
    tap({
      next: (ev) => {
        if (ev instanceof HttpResponse) activity.serverContact();
      },
      error: (err: unknown) => {
        const code = errorCode(err);
        if (
          code === 'SESSION_EXPIRED' ||
          (code === 'UNAUTHENTICATED' && !req.url.endsWith('/auth/session'))
        ) {
          activity.sessionLost(code);
        } else if (err instanceof HttpErrorResponse && err.status > 0) {
          activity.serverContact();
        }
      },
    }),
  );
};
