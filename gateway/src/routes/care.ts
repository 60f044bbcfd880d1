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
    // records:ListRecords answers every record the caller may see, in one list (no pages yet).
    const items = await caller(req).ledger.evaluate<unknown[]>(RECORDS.list, [String(req.params.patientId)]);
    res.json({ items, bookmark: '' } satisfies Page<unknown>);
  });

  return r;
}
