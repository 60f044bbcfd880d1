import type { Routes } from '@angular/router';

export const DOCTOR_ROUTES: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'patients' },
  {
    path: 'patients',
    title: 'My patients',
    loadComponent: () => import('./patients.page').then((m) => m.DoctorPatientsPage),
  },
  {
    path: 'shared',
    title: 'Shared with me',
    loadComponent: () => import('./shared.page').then((m) => m.DoctorSharedPage),
  },
  {
    path: 'patients/:patientId',
    title: 'Patient',
    loadComponent: () => import('./patient.page').then((m) => m.DoctorPatientPage),
  },
];
