// HTTP side of the records path. The upload route is mounted before the OpenAPI validator: the
// validator's multipart support would buffer the whole file (multer), so this route streams the
// body itself and checks its parameters here against the same rules as the document.
import { Router, type Request } from 'express';
import { CodedError } from '@ehr/common';
import type { Purpose, RecordMeta } from '@ehr/chaincode/api';
import { caller, requireUser } from '../http/auth-guard';
import type { GatewayContext } from '../http/context';
import { fileNameOf, type RecordDownloads } from './download';
import { RECORD_TX } from './transactions';
import type { RecordUploads } from './upload';
import type { RecordViews } from './views';

const PERSON_ID = /^[A-Za-z][A-Za-z0-9]*MSP\/[a-z0-9-]{1,64}$/;

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function recordUploadRoutes(ctx: GatewayContext, uploads: RecordUploads): Router {
  const r = Router();
  r.post('/patients/:patientId/records', requireUser(ctx, 'doctor'), async (req, res) => {
    const patientId = String(req.params.patientId);
    if (!PERSON_ID.test(patientId)) {
      req.resume();
      throw new CodedError('VALIDATION_FAILED', 'patientId is not a person id', {
        fields: [{ path: 'params.patientId', message: 'must be <mspId>/<uid>' }],
      });
    }
    const key = header(req, 'idempotency-key');
    try {
      const { created, replay, timings } = await uploads.upload(
        caller(req),
        patientId,
        { headers: req.headers, body: req },
        key,
      );
      if (replay) res.setHeader('Idempotent-Replayed', 'true');
      // Where the time went, in milliseconds from the start (for the portal's developer tools and the benchmark).
      res.setHeader(
        'Server-Timing',
        Object.entries(timings)
          .map(([step, ms]) => `${step};dur=${ms}`)
          .join(', '),
      );
      res.status(201).json(created);
    } catch (e) {
      // The client may still be sending: read the rest away so the error reaches it.
      if (!req.readableEnded) req.resume();
      throw e;
    }
  });
  return r;
}

export function recordRoutes(
  ctx: GatewayContext,
  downloads: RecordDownloads,
  views: RecordViews,
): Router {
  const r = Router();
  const anyone = requireUser(ctx);

  r.get('/patients/:patientId/records', anyone, async (req, res) => {
    // records:ListRecords answers every record the caller may see, in one list (no pages yet).
    const items = await caller(req).ledger.evaluate<RecordMeta[]>(RECORD_TX.list, [
      String(req.params.patientId),
    ]);
    res.json({ items: items.map((m) => views.present(m)), bookmark: '' });
  });

  r.get('/records/:recordId', anyone, async (req, res) => {
    res.json(
      views.present(
        await caller(req).ledger.evaluate<RecordMeta>(RECORD_TX.metadata, [
          String(req.params.recordId),
        ]),
      ),
    );
  });

  r.get('/records/:recordId/content', anyone, async (req, res) => {
    const who = caller(req);
    const purpose = (
      typeof req.query.purpose === 'string'
        ? req.query.purpose
        : who.user.role === 'patient'
          ? 'patient-access'
          : 'treatment'
    ) as Purpose;
    const opened = await downloads.open(who, String(req.params.recordId), purpose);
    res.status(200);
    res.setHeader('Content-Type', opened.record.mediaType);
    res.setHeader('Content-Length', String(opened.size));
    res.setHeader('Content-Disposition', `attachment; filename="${fileNameOf(opened.record)}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Record-Sha256', opened.record.sha256);
    opened.content.on('error', (e) => {
      // Only authenticated segments were sent; cut the connection so the short body is an error.
      ctx.log.error(
        { recordId: opened.record.recordId, err: e.message },
        'decryption failed during download',
      );
      res.destroy(e);
    });
    res.on('close', () => opened.content.destroy());
    opened.content.pipe(res);
  });

  return r;
}
