import type { Routes } from '@angular/router';

export const ADMIN_ROUTES: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'accounts' },
  {
    path: 'accounts',
    title: 'Accounts',
    loadComponent: () => import('./accounts.page').then((m) => m.AccountsPage),
  },
  {
    path: 'assign',
    title: 'Assign doctors',
    loadComponent: () => import('./assign.page').then((m) => m.AssignPage),
  },
  {
    path: 'registry',
    title: 'Doctor registry',
    loadComponent: () => import('./registry.page').then((m) => m.RegistryPage),
  },
  {
    path: 'counts',
    title: 'Counts per hospital',
    loadComponent: () => import('./counts.page').then((m) => m.CountsPage),
  },
  {
    path: 'members',
    title: 'Member hospitals',
    loadComponent: () => import('./membership/proposals.page').then((m) => m.ProposalsPage),
  },
  {
    path: 'members/propose',
    title: 'Propose a hospital',
    loadComponent: () => import('./membership/propose.page').then((m) => m.ProposePage),
  },
  {
    path: 'members/:proposalId',
    title: 'Membership proposal',
    loadComponent: () => import('./membership/proposal.page').then((m) => m.ProposalPage),
  },
];
