// When the portal is rebuilt: its inputs' hash follows the sources, the API document and the
// error catalogue, and ignores what the build itself generates.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { webBuildIsCurrent, webInputsHash } from '../src/web-build';

let root: string;
const write = (rel: string, text: string) => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'web-build-'));
  write('web/src/main.ts', 'bootstrap();');
  write('web/angular.json', '{}');
  write('gateway/openapi.yaml', 'openapi: 3.1.0\n');
  write('common/src/errors.ts', 'export const ERRORS = {};');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('the hash changes with a source file, the API document and the error catalogue', () => {
  const seen = new Set([webInputsHash(root)]);
  write('web/src/main.ts', 'bootstrap(2);');
  seen.add(webInputsHash(root));
  write('gateway/openapi.yaml', 'openapi: 3.1.0\npaths: {}\n');
  seen.add(webInputsHash(root));
  write('common/src/errors.ts', 'export const ERRORS = { X: 1 };');
  seen.add(webInputsHash(root));
  write('web/src/app/new.ts', 'export {};');
  seen.add(webInputsHash(root));
  expect(seen.size).toBe(5);
});

test('generated files and the build output do not count as inputs', () => {
  const before = webInputsHash(root);
  write('web/src/app/api/generated/models.ts', 'export type X = 1;');
  write('web/src/app/api/field-rules.generated.ts', 'export const FIELD_RULES = {};');
  write('web/dist/browser/index.html', '<html></html>');
  expect(webInputsHash(root)).toBe(before);
});

test('a build is current only with its output and the stamp of the same inputs', () => {
  expect(webBuildIsCurrent(root)).toBe(false);
  write('web/dist/browser/index.html', '<html></html>');
  write('web/dist/.inputs-sha256', webInputsHash(root));
  expect(webBuildIsCurrent(root)).toBe(true);
  write('gateway/openapi.yaml', 'openapi: 3.1.0\ninfo: {}\n');
  expect(webBuildIsCurrent(root)).toBe(false);
});
