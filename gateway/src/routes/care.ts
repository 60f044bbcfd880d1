// Ledger reads about care relationships and records, signed as the caller: the chaincode decides
// who may see what (an admin asking for records gets the chaincode's FORBIDDEN_ROLE as 403).
import { Router } from 'express';
import { caller, requireUser } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import { ASSIGNMENTS, type Assignment, type Page, RECORDS } from '../ledger/contract';

export function careRoutes(ctx: GatewayContext): Router {
  const r = Router();
  const anyone = requireUser(ctx);

  r.get('/patients/:patientId/doctors', anyone, async (req, res) => {
    res.json(await caller(req).ledger.evaluate<Assignment[]>(ASSIGNMENTS.list, [String(req.params.patientId)]));
  });

  r.get('/doctors/me/patients', anyone, async (req, res) => {
    res.json({ items: await caller(req).ledger.evaluate<string[]>(ASSIGNMENTS.myPatients, []) });
  });

  r.get('/patients/:patientId/records', anyone, async (req, res) => {
    const bookmark = typeof req.query.bookmark === 'string' ? req.query.bookmark : '';
    const args = [String(req.params.patientId), ...(bookmark ? [bookmark] : [])];
    const page = await caller(req).ledger.evaluate<Page<unknown>>(RECORDS.list, args);
    res.json(page);
  });

  return r;
}
