// The portal's static serving: redirects, cache headers, the SPA fallback, the page's CSP (with
// the hashes of the build's inline scripts) and the 503 page when no build exists.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { portalCsp, portalRoutes } from '../src/portal/portal';

const LOADER = "(() => { document.title = 'x'; })();";
const INDEX = `<!doctype html><html><head><base href="/portal/"><script type="importmap">{"imports":{}}</script></head><body><ehr-root></ehr-root><script>${LOADER}</script><script src="main-ABCDEFGH.js" type="module"></script></body></html>`;
const sha = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

describe('portal routes', () => {
  let dir: string;
  const app = () =>
    express()
      .use(portalRoutes({ dir }))
      .use((_req, res) => res.status(418).end());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function build() {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'main-ABCDEFGH.js'), 'console.log(1)');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  }

  it('redirects / and /portal to /portal/', async () => {
    build();
    await request(app()).get('/').expect(302).expect('Location', '/portal/');
    await request(app()).get('/portal').expect(301).expect('Location', '/portal/');
  });

  it('serves index.html uncached with a strict CSP that allows only its own inline scripts', async () => {
    build();
    const res = await request(app()).get('/portal/').expect(200).expect('Content-Type', /html/);
    expect(res.text).toBe(INDEX);
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`script-src 'self' ${sha('{"imports":{}}')} ${sha(LOADER)};`);
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  });

  it('caches hashed bundles for good and other files not', async () => {
    build();
    const js = await request(app()).get('/portal/main-ABCDEFGH.js').expect(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-security-policy']).toContain("default-src 'self'");
    const icon = await request(app()).get('/portal/favicon.svg').expect(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('answers index.html for the app routes and 404 for missing files', async () => {
    build();
    const page = await request(app()).get('/portal/records/abc-123').expect(200);
    expect(page.text).toBe(INDEX);
    expect(page.headers['cache-control']).toBe('no-cache');
    await request(app()).get('/portal/chunk-MISSING1.js').expect(404);
    await request(app())
      .get('/portal/../package.json')
      .expect((r) => expect(r.status).not.toBe(200));
  });

  it('leaves other paths and methods to the API', async () => {
    build();
    await request(app()).get('/auth/session').expect(418);
    await request(app()).post('/portal/login').expect(418);
  });

  it('answers a clear 503 page while no build exists, and serves the build once made', async () => {
    rmSync(dir, { recursive: true, force: true });
    const a = app();
    const res = await request(a).get('/portal/patient').expect(503).expect('Content-Type', /html/);
    expect(res.text).toContain('npm run web');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    build();
    await request(a).get('/portal/patient').expect(200);
  });

  it('computes no hash when the page has no inline script', () => {
    expect(portalCsp('<script src="a.js"></script>')).toContain("script-src 'self';");
  });
});
