// Consent and the patient's views of their ledger trail: grants, who read what (accounting of
// disclosures) and break-glass declarations. Bodies and parameters are checked by the OpenAPI
// validator; the chaincode decides who may see or change what.
import { Router } from 'express';
import type { BreakGlass, Grant, Page, AccessEvent } from '@ehr/chaincode/api';
import { caller, requireUser } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import { DIRECTORY } from '../ledger/contract';
import type { ConsentRequest, Consents } from './consent';
import { ACCESS_TX, CONSENT_TX } from './transactions';

export function consentRoutes(ctx: GatewayContext, consents: Consents): Router {
  const r = Router();
  const anyone = requireUser(ctx);

  r.post('/consents', requireUser(ctx, 'patient'), async (req, res) => {
    res.status(201).json(await consents.grant(caller(req), req.body as ConsentRequest));
  });

  r.delete('/consents/:grantId', requireUser(ctx, 'patient'), async (req, res) => {
    await caller(req).ledger.submit<Grant>(CONSENT_TX.revoke, [String(req.params.grantId)]);
    res.status(204).end();
  });

  r.get('/patients/:patientId/consents', anyone, async (req, res) => {
    res.json({
      items: await caller(req).ledger.evaluate<Grant[]>(CONSENT_TX.list, [
        String(req.params.patientId),
      ]),
    });
  });

  // Doctors: the grants in force naming them or their whole hospital ("shared with me"); the
  // chaincode refuses every other role.
  r.get('/doctors/me/consents', anyone, async (req, res) => {
    res.json({ items: await caller(req).ledger.evaluate<Grant[]>(DIRECTORY.grantsToMe, []) });
  });

  r.get('/patients/:patientId/access-events', anyone, async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const args = [String(req.params.patientId), q.from ?? '', q.to ?? '', '', q.bookmark ?? ''];
    res.json(await caller(req).ledger.evaluate<Page<AccessEvent>>(ACCESS_TX.events, args));
  });

  // Auditors: reads by this hospital's staff across patients (metadata only; the chaincode checks the role).
  r.get('/audit/access-events', anyone, async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    res.json(
      await caller(req).ledger.evaluate<Page<AccessEvent>>(ACCESS_TX.eventsByReaderHospital, [
        q.from ?? '',
        q.to ?? '',
        '',
        q.bookmark ?? '',
      ]),
    );
  });

  r.get('/patients/:patientId/break-glass', anyone, async (req, res) => {
    res.json({
      items: await caller(req).ledger.evaluate<BreakGlass[]>(ACCESS_TX.breakGlassList, [
        String(req.params.patientId),
      ]),
    });
  });

  r.post('/patients/:patientId/break-glass', requireUser(ctx, 'doctor'), async (req, res) => {
    const { reason } = req.body as { reason: string };
    res
      .status(201)
      .json(
        (
          await caller(req).ledger.submit<BreakGlass>(ACCESS_TX.breakGlass, [
            String(req.params.patientId),
            reason,
          ])
        ).result,
      );
  });

  return r;
}
