// The OpenAPI document (gateway/openapi.yaml, design-first) as the gateway serves and enforces it.
// The ErrorCode schema's enum is filled from the one catalogue (common/src/errors.ts) so generated
// clients know every code; /openapi.json serves the completed document.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ERRORS } from '@ehr/common';

/** gateway/openapi.yaml, found from src/ (tests) or dist/src/ (built). */
function documentPath(): string {
  for (const rel of ['..', '../..', '../../..']) {
    const p = join(__dirname, rel, 'openapi.yaml');
    try {
      readFileSync(p);
      return p;
    } catch {
      /* try the next */
    }
  }
  throw new Error('gateway/openapi.yaml not found');
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { operationId?: string; description?: string; responses?: Record<string, unknown> }
    >
  >;
  components: { schemas: Record<string, Record<string, unknown>> };
  [k: string]: unknown;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

let cached: OpenApiDocument | undefined;

export function openApiDocument(): OpenApiDocument {
  if (cached) return structuredClone(cached);
  const doc = parse(readFileSync(documentPath(), 'utf8')) as OpenApiDocument;
  doc.components.schemas.ErrorCode = {
    ...doc.components.schemas.ErrorCode,
    enum: Object.keys(ERRORS),
  };
  // Any operation may fail with any catalogue error (e.g. 503 when the database is down).
  for (const item of Object.values(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as { responses?: Record<string, unknown> } | undefined;
      if (op?.responses && !op.responses.default)
        op.responses.default = { $ref: '#/components/responses/Error' };
    }
  }
  cached = doc;
  return structuredClone(doc);
}

/** Operations the document marks "NOT YET IMPLEMENTED": the gateway answers them 501. */
export function notImplementedOperations(
  doc: OpenApiDocument,
): { method: (typeof METHODS)[number]; path: string }[] {
  const out: { method: (typeof METHODS)[number]; path: string }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      if (item[method]?.description?.startsWith('NOT YET IMPLEMENTED')) out.push({ method, path });
    }
  }
  return out;
}

/** OpenAPI's /a/{b} as an Express 5 path /a/:b. */
export const expressPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');
