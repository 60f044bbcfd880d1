// The consortium's directory for the portal: member hospitals, doctors found by name, names for
// ledger ids (people.ts decides who may see which), and counts per hospital. Every ledger read
// is signed as the caller, so the chaincode decides too (counts: admins and auditors only).
import { Router } from 'express';
import type { Hospital, HospitalCounts } from '@ehr/chaincode/api';
import { caller, requireUser } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import { DIRECTORY } from '../ledger/contract';
import { describePeople, searchDoctors } from './people';

const SEARCH_LIMIT = 50;

export function directoryRoutes(ctx: GatewayContext): Router {
  const r = Router();
  const anyone = requireUser(ctx);

  r.get('/directory/hospitals', anyone, async (req, res) => {
    const hospitals = await caller(req).ledger.evaluate<Hospital[]>(DIRECTORY.listHospitals, []);
    res.json({
      items: hospitals.map(({ mspId, displayName, membership }) => ({
        mspId,
        displayName,
        membership,
      })),
    });
  });

  r.get('/directory/doctors', anyone, async (req, res) => {
    const { q = '', mspId } = req.query as { q?: string; mspId?: string };
    res.json({ items: await searchDoctors(ctx, caller(req).ledger, q, mspId, SEARCH_LIMIT) });
  });

  r.get('/directory/people', anyone, async (req, res) => {
    const { ids } = req.query as { ids: string[] };
    res.json({ items: await describePeople(ctx, caller(req), ids) });
  });

  r.get('/directory/hospital-counts', anyone, async (req, res) => {
    res.json({
      items: await caller(req).ledger.evaluate<HospitalCounts[]>(DIRECTORY.hospitalCounts, []),
    });
  });

  return r;
}
