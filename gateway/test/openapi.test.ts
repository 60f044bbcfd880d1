// The OpenAPI document is the contract the portal's client is generated from: every operation is
// named, every error is an ErrorCode of the catalogue, and the gateway enforces the document and
// answers described-but-unbuilt operations with 501 — checked here without any service running.
import express from 'express';
import request from 'supertest';
import pino from 'pino';
import { ERRORS } from '@ehr/common';
import { loadNetwork } from '@ehr/network';
import { loadGatewayConfig } from '../src/config/config';
import { buildApp } from '../src/http/app';
import type { GatewayContext } from '../src/http/context';
import { errorHandler, notImplemented } from '../src/http/errors';
import { notImplementedOperations, openApiDocument } from '../src/http/openapi';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function offlineApp() {
  const dir = mkdtempSync(join(tmpdir(), 'gw-openapi-'));
  const net = loadNetwork({ dataDir: dir, portOffset: 0 });
  const config = loadGatewayConfig({ EHR_HOSPITAL: 'Hospital1', EHR_GATEWAY_DATA_DIR: dir }, net);
  // No database: only requests that never touch it (no session cookie, no login) are made here.
  const pool = { query: async () => ({ rows: [] }) };
  const ctx = { config, log: pino({ level: 'silent' }), pool } as unknown as GatewayContext;
  return buildApp(ctx);
}

describe('OpenAPI document', () => {
  const doc = openApiDocument();

  it('is OpenAPI 3.1 and names every operation once', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids: string[] = [];
    for (const item of Object.values(doc.paths)) {
      for (const m of METHODS) {
        const op = (item as Record<string, { operationId?: string }>)[m];
        if (op) {
          expect(op.operationId).toMatch(/^[a-z][A-Za-z]+$/);
          ids.push(op.operationId!);
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'login',
        'signUpPatient',
        'sendDoctorSignupCode',
        'signUpDoctor',
        'uploadRecord',
        'createConsent',
      ]),
    );
  });

  it('lets every operation answer an error with the Error body (a default response)', () => {
    for (const item of Object.values(doc.paths)) {
      for (const m of METHODS) {
        const op = (item as Record<string, { responses?: Record<string, unknown> }>)[m];
        if (op) expect(op.responses?.default).toEqual({ $ref: '#/components/responses/Error' });
      }
    }
  });

  it('lists every catalogue code in ErrorCode', () => {
    expect(doc.components.schemas.ErrorCode.enum).toEqual(Object.keys(ERRORS));
  });

  it('has every described operation built (none marked NOT YET IMPLEMENTED)', () => {
    expect(notImplementedOperations(doc).map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });
});

describe('the gateway enforces the document', () => {
  const app = offlineApp();

  it('serves it at /openapi.json and /docs', async () => {
    const json = await request(app).get('/openapi.json');
    expect(json.status).toBe(200);
    expect(json.body.info.title).toContain('gateway');
    const docs = await request(app).get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
  });

  it('answers an operation that is described but not built with 501 NOT_IMPLEMENTED, never fake data', async () => {
    // No operation is unbuilt today: the handler the app mounts for them, on its own.
    const r = await request(express().get('/x', notImplemented).use(errorHandler)).get('/x');
    expect(r.status).toBe(501);
    expect(r.body).toEqual({ code: 'NOT_IMPLEMENTED', message: ERRORS.NOT_IMPLEMENTED.message });
  });

  it('answers an unknown path with 404 NOT_FOUND as JSON', async () => {
    const r = await request(app).get('/no/such/thing');
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('NOT_FOUND');
  });

  it('refuses a state change without the CSRF token', async () => {
    const r = await request(app).post('/signup/patient').send({});
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('CSRF_INVALID');
  });

  it('answers a malformed query with VALIDATION_FAILED naming the field', async () => {
    const r = await request(app).get('/dev/sms').query({ to: 'not-a-phone' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(r.body.details.fields[0].path).toBe('query.to');
  });

  it('answers liveness and the hospital it serves', async () => {
    expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok' });
  });
});

describe('the auditor routes', () => {
  const app = offlineApp();

  it('are built (no 501) and need a session', async () => {
    for (const path of [
      '/audit/anchors',
      '/audit/overview',
      `/audit/ethereum/tx/0x${'ab'.repeat(32)}`,
      `/audit/ethereum/address/0x${'cd'.repeat(20)}`,
      '/audit/ethereum/block/1',
    ]) {
      const r = await request(app).get(path);
      expect([path, r.status, r.body.code]).toEqual([path, 401, 'UNAUTHENTICATED']);
    }
  });

  it('refuse a malformed hash, address or block number before anything else', async () => {
    for (const path of [
      '/audit/ethereum/tx/0x12',
      '/audit/ethereum/address/nope',
      '/audit/ethereum/block/-1',
    ]) {
      const r = await request(app).get(path);
      expect([path, r.status, r.body.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
    }
  });
});
