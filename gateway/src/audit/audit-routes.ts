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
import type { AnchorAuditor } from '@ehr/evm-anchor/auditor';
import { caller, requireUser } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import { databaseVerificationStore } from './verification-store';

export interface AuditRoutes {
  routes: Router;
  close(): Promise<void>;
}

export function auditRoutes(ctx: GatewayContext): AuditRoutes {
  let auditor: Promise<AnchorAuditor> | undefined;
  // Loaded and made on first use: the Ethereum library (ethers) and the chain configuration, so a
  // gateway whose auditors never look holds neither them nor an Ethereum connection (about 10 MiB
  // of memory for every gateway). Blocks are read from this hospital's own peer.
  const anchorLibrary = () => import('@ehr/evm-anchor/auditor');
  const anchors = (): Promise<AnchorAuditor> => {
    if (auditor) return auditor;
    const made = anchorLibrary().then(
      ({ AnchorAuditor, localExplorerUrl }) =>
        new AnchorAuditor(ctx.config.network, {
          member: ctx.config.hospital.mspId,
          // On the local chain the explorer links point at this gateway's own portal pages, so an
          // auditor follows them with the session they have here (not the first hospital's).
          env: {
            ...process.env,
            ANCHOR_LOCAL_EXPLORER_URL:
              process.env.ANCHOR_LOCAL_EXPLORER_URL ??
              localExplorerUrl(ctx.config.network, ctx.config.hospital),
          },
          verifications: databaseVerificationStore(ctx.db),
        }),
    );
    auditor = made;
    made.catch(() => {
      if (auditor === made) auditor = undefined; // a failure is not kept: the next request tries again
    });
    return made;
  };
  const r = Router();
  const auditorOnly = requireUser(ctx, 'auditor');

  r.get('/audit/anchors', auditorOnly, async (_req, res) => {
    res.json(await (await anchors()).anchorList());
  });

  r.get('/audit/overview', auditorOnly, async (_req, res) => {
    res.json(await (await anchors()).view());
  });

  r.post('/audit/verify', auditorOnly, async (req, res) => {
    const report = await (await anchors()).verify(caller(req).user.id);
    res.json((await anchorLibrary()).AnchorAuditor.apiReport(report));
  });

  r.get('/audit/ethereum/tx/:hash', auditorOnly, async (req, res) => {
    res.json(await (await anchors()).transaction(String(req.params.hash)));
  });

  r.get('/audit/ethereum/address/:address', auditorOnly, async (req, res) => {
    res.json(await (await anchors()).address(String(req.params.address)));
  });

  r.get('/audit/ethereum/block/:number', auditorOnly, async (req, res) => {
    res.json(await (await anchors()).block(String(req.params.number)));
  });

  return {
    routes: r,
    close: async () => {
      const made = auditor;
      auditor = undefined;
      await (await made?.catch(() => undefined))?.close();
    },
  };
}
