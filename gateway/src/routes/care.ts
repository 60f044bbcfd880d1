// Ledger reads about care relationships, signed as the caller: the chaincode decides who may see
// what. (Record lists are served by the records routes, which open the remarks.)
import { Router } from 'express';
import { caller, requireUser } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import { ASSIGNMENTS, type Assignment } from '../ledger/contract';

export function careRoutes(ctx: GatewayContext): Router {
  const r = Router();
  const anyone = requireUser(ctx);

  r.get('/patients/:patientId/doctors', anyone, async (req, res) => {
    res.json(
      await caller(req).ledger.evaluate<Assignment[]>(ASSIGNMENTS.list, [
        String(req.params.patientId),
      ]),
    );
  });

  r.get('/doctors/me/patients', anyone, async (req, res) => {
    res.json({ items: await caller(req).ledger.evaluate<string[]>(ASSIGNMENTS.myPatients, []) });
  });

  return r;
}
