// The portal's production build (web/dist/browser, made by scripts/src/web-build.ts) served under
// /portal/ on the API's own origin, so pages and API share the session cookie and CSRF token.
// Hashed bundles are cached for good; index.html is revalidated every time so a new build is
// picked up at once; unknown page paths get index.html (the Angular router owns them).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type Response } from 'express';
import { REPO_ROOT } from '@ehr/network';

export const PORTAL_PATH = '/portal';
/** Where scripts/src/web-build.ts writes the build (its WEB_DIST_DIR). */
export const DEFAULT_PORTAL_DIR = join(REPO_ROOT, 'web', 'dist', 'browser');

/** Angular's output names carry a content hash (main-TZDYWARN.js, chunk--TR2Nbl2.js). */
const HASHED = /-[A-Za-z0-9_-]{8,}\.(?:js|mjs|css|woff2?)$/;
/** A path whose last segment has an extension asks for a file: a miss is a 404, never the page. */
const FILE_LIKE = /\/[^/]*\.[A-Za-z0-9]+$/;

/**
 * The page's Content-Security-Policy. Angular's loader and import map are inline scripts: they
 * are allowed by their SHA-256 (read from the index.html being served), nothing else inline is.
 * Component styles are inline <style> elements, hence style-src 'unsafe-inline'.
 */
export function portalCsp(indexHtml: string): string {
  const hashes: string[] = [];
  for (const m of indexHtml.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
    if (/\ssrc\s*=/.test(m[1]) || m[2].length === 0) continue;
    hashes.push(`'sha256-${createHash('sha256').update(m[2]).digest('base64')}'`);
  }
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ` ${h}`).join('')}`,
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Files have no inline scripts: the strict policy without any hash. */
const ASSET_CSP = portalCsp('');

const MISSING_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Portal not available</title></head>
<body><main><h1>The portal is not available</h1>
<p>This gateway has no build of the portal to serve. The API keeps working.</p>
<p>Operators: build it with <code>npm run web</code> (or restart with <code>npm start</code>, which builds it), then reload this page.</p>
</main></body></html>
`;

/** index.html and its policy, re-read only when the file changes (a new build). */
class IndexPage {
  private cached?: { mtimeMs: number; html: string; csp: string };
  constructor(private readonly file: string) {}

  read(): { html: string; csp: string } | undefined {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch {
      return undefined;
    }
    if (this.cached?.mtimeMs !== mtimeMs) {
      const html = readFileSync(this.file, 'utf8');
      this.cached = { mtimeMs, html, csp: portalCsp(html) };
    }
    return this.cached;
  }
}

export interface PortalOptions {
  /** The build to serve (default web/dist/browser of this repository). */
  dir?: string;
}

/** `/` → `/portal/`, and the portal itself. Mount before the API's validator (it owns no API path). */
export function portalRoutes(opts: PortalOptions = {}): Router {
  const dir = opts.dir ?? DEFAULT_PORTAL_DIR;
  const index = new IndexPage(join(dir, 'index.html'));
  const r = Router({ strict: true });

  r.get('/', (_req, res) => res.redirect(302, `${PORTAL_PATH}/`));
  r.get(PORTAL_PATH, (_req, res) => res.redirect(301, `${PORTAL_PATH}/`));

  const sendIndex = (res: Response) => {
    const page = index.read();
    res.setHeader('Cache-Control', 'no-cache');
    if (!page) {
      res.setHeader('Content-Security-Policy', ASSET_CSP);
      res.setHeader('Retry-After', '30');
      res.status(503).type('html').send(MISSING_BUILD);
      return;
    }
    res.setHeader('Content-Security-Policy', page.csp);
    res.type('html').send(page.html);
  };

  r.use(
    PORTAL_PATH,
    (req, res, next) => {
      // index.html itself goes through sendIndex (its CSP carries the inline scripts' hashes).
      if (req.path === '/' || req.path === '/index.html') {
        if (req.method !== 'GET' && req.method !== 'HEAD') return next();
        return sendIndex(res);
      }
      next();
    },
    express.static(dir, {
      index: false,
      redirect: false,
      fallthrough: true,
      dotfiles: 'ignore',
      setHeaders(res, path) {
        res.setHeader('Content-Security-Policy', ASSET_CSP);
        res.setHeader(
          'Cache-Control',
          HASHED.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
    (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      if (FILE_LIKE.test(req.path) && existsSync(join(dir, 'index.html'))) {
        res.setHeader('Content-Security-Policy', ASSET_CSP);
        res.setHeader('Cache-Control', 'no-cache');
        res.status(404).type('text').send('Not found');
        return;
      }
      sendIndex(res); // a route of the Angular app (e.g. /portal/records/…)
    },
  );
  return r;
}
