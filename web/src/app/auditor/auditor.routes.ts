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
  // The local chain's explorer pages, where the anchors' links lead (evm-anchor: localExplorerUrl).
  {
    path: 'ethereum/tx/:hash',
    title: 'Ethereum transaction',
    loadComponent: () => import('./ethereum-explorer.pages').then((m) => m.EthereumTxPage),
  },
  {
    path: 'ethereum/address/:address',
    title: 'Ethereum address',
    loadComponent: () => import('./ethereum-explorer.pages').then((m) => m.EthereumAddressPage),
  },
  {
    path: 'ethereum/block/:number',
    title: 'Ethereum block',
    loadComponent: () => import('./ethereum-explorer.pages').then((m) => m.EthereumBlockPage),
  },
  {
    path: 'access',
    title: 'Access log',
    loadComponent: () => import('./access-log.page').then((m) => m.AccessLogPage),
  },
];
