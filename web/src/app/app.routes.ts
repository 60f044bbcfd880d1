import type { Routes } from '@angular/router';
import {
  adminGuard,
  auditorGuard,
  doctorGuard,
  patientGuard,
  signedInGuard,
  signedOutGuard,
} from './core/role.guard';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'login' },
  {
    path: 'login',
    canMatch: [signedOutGuard],
    title: 'Sign in',
    loadComponent: () => import('./public/login.page').then((m) => m.LoginPage),
  },
  {
    path: 'signup/patient',
    canMatch: [signedOutGuard],
    title: 'Patient sign-up',
    loadComponent: () => import('./public/patient-signup.page').then((m) => m.PatientSignupPage),
  },
  {
    path: 'signup/doctor',
    canMatch: [signedOutGuard],
    title: 'Doctor sign-up',
    loadComponent: () => import('./public/doctor-signup.page').then((m) => m.DoctorSignupPage),
  },
  {
    path: 'patient',
    canMatch: [patientGuard],
    loadChildren: () => import('./patient/patient.routes').then((m) => m.PATIENT_ROUTES),
  },
  {
    path: 'doctor',
    canMatch: [doctorGuard],
    loadChildren: () => import('./doctor/doctor.routes').then((m) => m.DOCTOR_ROUTES),
  },
  {
    path: 'admin',
    canMatch: [adminGuard],
    loadChildren: () => import('./admin/admin.routes').then((m) => m.ADMIN_ROUTES),
  },
  {
    path: 'auditor',
    canMatch: [auditorGuard],
    loadChildren: () => import('./auditor/auditor.routes').then((m) => m.AUDITOR_ROUTES),
  },
  {
    // Any signed-in role may try; the gateway and the chaincode decide (an admin is refused there).
    path: 'records/:recordId',
    canMatch: [signedInGuard],
    title: 'Record',
    loadComponent: () => import('./shared/record.page').then((m) => m.RecordPage),
  },
  {
    path: '**',
    title: 'Page not found',
    loadComponent: () => import('./public/not-found.page').then((m) => m.NotFoundPage),
  },
];
