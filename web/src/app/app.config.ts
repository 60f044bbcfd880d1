import {
  provideHttpClient,
  withInterceptors,
  withXhr,
  withXsrfConfiguration,
} from '@angular/common/http';
import { type ApplicationConfig, provideBrowserGlobalErrorListeners } from '@angular/core';
import {
  TitleStrategy,
  provideRouter,
  withComponentInputBinding,
  withInMemoryScrolling,
} from '@angular/router';
import { MAT_FORM_FIELD_DEFAULT_OPTIONS } from '@angular/material/form-field';
import { provideApiConfiguration } from './api/generated/api-configuration';
import { routes } from './app.routes';
import { HospitalTitleStrategy } from './core/hospital-title.strategy';
import { activityInterceptor, csrfInterceptor } from './core/http.interceptors';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideRouter(
      routes,
      withComponentInputBinding(),
      withInMemoryScrolling({ scrollPositionRestoration: 'top' }),
    ),
    // XHR backend (not fetch, Angular's default since v21): only XHR reports upload progress.
    // The gateway's own CSRF scheme (X-CSRF-Token from /auth/csrf) replaces Angular's
    // cookie-based XSRF helper.
    provideHttpClient(
      withXhr(),
      withInterceptors([csrfInterceptor, activityInterceptor]),
      withXsrfConfiguration({ cookieName: '', headerName: '' }),
    ),
    // The portal is served by the gateway itself: API paths are absolute on the same origin.
    provideApiConfiguration(''),
    { provide: TitleStrategy, useExisting: HospitalTitleStrategy },
    // Hints and errors take the room they need (long ones wrap on a phone instead of overlapping).
    { provide: MAT_FORM_FIELD_DEFAULT_OPTIONS, useValue: { subscriptSizing: 'dynamic' } },
  ],
};
