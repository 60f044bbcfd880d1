import type { Routes } from '@angular/router';

export const AUDITOR_ROUTES: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'anchors' },
  {
    path: 'anchors',
    title: 'Anchors',
    loadComponent: () => import('./anchors.page').then((m) => m.AnchorsPage),
  },
  {
    path: 'verify',
    title: 'Verify',
    loadComponent: () => import('./verify.page').then((m) => m.VerifyPage),
  },
  {
    path: 'access',
    title: 'Access log',
    loadComponent: () => import('./access-log.page').then((m) => m.AccessLogPage),
  },
];
