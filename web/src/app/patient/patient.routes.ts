import type { Routes } from '@angular/router';

export const PATIENT_ROUTES: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'records' },
  {
    path: 'records',
    title: 'My records',
    loadComponent: () => import('./records.page').then((m) => m.PatientRecordsPage),
  },
  {
    path: 'doctors',
    title: 'My doctors',
    loadComponent: () => import('./doctors.page').then((m) => m.PatientDoctorsPage),
  },
  {
    path: 'sharing',
    title: 'Sharing',
    loadComponent: () => import('./sharing.page').then((m) => m.SharingPage),
  },
  {
    path: 'access',
    title: 'Who saw my records',
    loadComponent: () => import('./access.page').then((m) => m.AccessPage),
  },
];
