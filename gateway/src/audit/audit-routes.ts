// The auditor's view of the Ethereum anchors (evm-anchor's AnchorAuditor): the anchors with their
// explorer links, the overview the portal's auditor page shows (anchors, coverage, the last
// verification), a full `verify` of the ledger against them, and, for the local chain, the facts
// behind the explorer links (transaction, address, block), read from the node as Etherscan would
// show them; the portal's auditor pages (/portal/auditor/ethereum/…) present them to people.
//
// Auditor role only. The anchors exist so that someone who trusts no hospital can check that the
// ledger was never rewritten; a hospital admin runs the system being checked and the issue gives
// admins no anchor page. `verify` reads every block of the channel, so it is also costly: one run
// at a time (concurrent requests share it). Each run is kept in the database (see
// verification-store.ts) with the auditor who asked for it.
import { Router } from 'express';
import { AnchorAuditor, localExplorerUrl } from '@ehr/evm-anchor/auditor';
import { caller, requireUser } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import { databaseVerificationStore } from './verification-store';

export interface AuditRoutes {
  routes: Router;
  close(): Promise<void>;
}

export function auditRoutes(ctx: GatewayContext): AuditRoutes {
  let auditor: AnchorAuditor | undefined;
  // Made on first use: the chain configuration is read then, and a gateway whose auditors never
  // look keeps no Ethereum connection. Blocks are read from this hospital's own peer.
  // On the local chain the explorer links point at this gateway's own portal pages, so an
  // auditor follows them with the session they have here (not the first hospital's).
  const env = {
    ...process.env,
    ANCHOR_LOCAL_EXPLORER_URL:
      process.env.ANCHOR_LOCAL_EXPLORER_URL ??
      localExplorerUrl(ctx.config.network, ctx.config.hospital),
  };
  const anchors = () =>
    (auditor ??= new AnchorAuditor(ctx.config.network, {
      member: ctx.config.hospital.mspId,
      env,
      verifications: databaseVerificationStore(ctx.db),
    }));
  const r = Router();
  const auditorOnly = requireUser(ctx, 'auditor');

  r.get('/audit/anchors', auditorOnly, async (_req, res) => {
    res.json(await anchors().anchorList());
  });

  r.get('/audit/overview', auditorOnly, async (_req, res) => {
    res.json(await anchors().view());
  });

  r.post('/audit/verify', auditorOnly, async (req, res) => {
    res.json(AnchorAuditor.apiReport(await anchors().verify(caller(req).user.id)));
  });

  r.get('/audit/ethereum/tx/:hash', auditorOnly, async (req, res) => {
    res.json(await anchors().transaction(String(req.params.hash)));
  });

  r.get('/audit/ethereum/address/:address', auditorOnly, async (req, res) => {
    res.json(await anchors().address(String(req.params.address)));
  });

  r.get('/audit/ethereum/block/:number', auditorOnly, async (req, res) => {
    res.json(await anchors().block(String(req.params.number)));
  });

  return {
    routes: r,
    close: async () => {
      await auditor?.close();
      auditor = undefined;
    },
  };
}
