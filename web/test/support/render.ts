// Rendering a page in the portal's unit tests: the generated client against Angular's HTTP
// testing backend, a router, and a way to let what an event started settle.
import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import type { EnvironmentProviders, Provider } from '@angular/core';
import type { ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { provideApiConfiguration } from '../../src/app/api/generated/api-configuration';

/** The client's requests go to HttpTestingController (paths from the root, as on the gateway). */
export function apiTestProviders(): (Provider | EnvironmentProviders)[] {
  return [
    provideHttpClient(),
    provideHttpClientTesting(),
    provideApiConfiguration(''),
    provideRouter([]),
  ];
}

/** Renders, and lets the promises the last event started settle. */
export async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  for (let i = 0; i < 3; i++) {
    fixture.detectChanges();
    await fixture.whenStable();
  }
}
