import { z } from 'zod';
import { isCid } from '../src/cid';
import { AccessContract } from '../src/contracts/access';
import { ChaincodeError } from '../src/errors';
import { canonicalJson } from '../src/json';
import { CID, ISO_TIME, SHA256_HEX, check, jsonArg, positional } from '../src/validate';
import { cidOf, sha256 } from './support/fixtures';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (e) {
    if (e instanceof ChaincodeError) return e.code;
    throw e;
  }
}

describe('CID check', () => {
  it.each([
    ['CIDv0 dag-pb', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'],
    ['CIDv1 dag-pb base32', 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'],
    ['CIDv1 raw base32', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'],
    ['CIDv1 raw from our encoder', cidOf('hello')],
    ['CIDv1 base58btc', 'zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA'],
  ])('accepts %s', (_, cid) => expect(isCid(cid)).toBe(true));

  it.each([
    ['empty', ''],
    [
      'CIDv0 with a wrong character (0 is not base58)',
      'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbd0',
    ],
    ['CIDv0 too short', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbd'],
    ['CIDv1 truncated digest', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52'],
    [
      'CIDv1 upper-case base32 under the lower-case prefix',
      'bAFKREIGH2AKISCAILDCQABSYG3DFR6CHU3FGPREGIYMSCK7E7AQA4S52ZY',
    ],
    ['unknown multibase', 'fafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'],
    ['a SHA-256 hex digest', sha256('x')],
    ['a path', '/ipfs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'],
  ])('refuses %s', (_, cid) => expect(isCid(cid)).toBe(false));

  it('maps a bad CID to INVALID_CID', () => {
    expect(codeOf(() => check(CID, 'Qmnope', 'cid'))).toBe('INVALID_CID');
  });
});

describe('field checks map to stable codes', () => {
  const schema = z
    .object({ a: z.string().min(1).max(5), n: z.number().int(), h: SHA256_HEX })
    .strict();

  it.each([
    ['a missing field', { n: 1, h: sha256('') }, 'MISSING_ARGUMENT'],
    ['an empty string', { a: '', n: 1, h: sha256('') }, 'MISSING_ARGUMENT'],
    ['a null', { a: null, n: 1, h: sha256('') }, 'MISSING_ARGUMENT'],
    ['a string too long', { a: '123456', n: 1, h: sha256('') }, 'ARGUMENT_TOO_LONG'],
    ['a wrong type', { a: 'x', n: '1', h: sha256('') }, 'INVALID_ARGUMENT'],
    ['a fractional integer', { a: 'x', n: 1.5, h: sha256('') }, 'INVALID_ARGUMENT'],
    ['an upper-case hash', { a: 'x', n: 1, h: sha256('').toUpperCase() }, 'INVALID_HASH'],
    ['a short hash', { a: 'x', n: 1, h: 'abc' }, 'INVALID_HASH'],
    ['an unknown field', { a: 'x', n: 1, h: sha256(''), name: 'Jane Doe' }, 'INVALID_ARGUMENT'],
    ['a valid object', { a: 'x', n: 1, h: sha256('') }, 'OK'],
  ])('%s', (_, value, code) => {
    expect(codeOf(() => check(schema, value, 'request'))).toBe(code);
  });

  it('names the field in the message', () => {
    expect(() => check(schema, { n: 1, h: sha256('') }, 'request')).toThrow(
      'MISSING_ARGUMENT: request.a is required',
    );
  });

  it('parses JSON arguments strictly', () => {
    expect(codeOf(() => jsonArg(schema, undefined, 'request'))).toBe('MISSING_ARGUMENT');
    expect(codeOf(() => jsonArg(schema, '{not json', 'request'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => jsonArg(schema, '[1]', 'request'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => jsonArg(schema, 'null', 'request'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => jsonArg(schema, `"${'x'.repeat(600 * 1024)}"`, 'request'))).toBe(
      'ARGUMENT_TOO_LONG',
    );
  });

  it('counts positional arguments', () => {
    expect(codeOf(() => positional([], { required: ['recordId'] }))).toBe('MISSING_ARGUMENT');
    expect(codeOf(() => positional(['a', 'b'], { required: ['recordId'] }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(positional(['a', ''], { required: ['x'], optional: ['y'] })).toEqual({
      x: 'a',
      y: undefined,
    });
  });

  it('normalises ISO times and refuses other forms', () => {
    expect(check(ISO_TIME, '2026-02-01T10:00:00Z', 't')).toBe('2026-02-01T10:00:00.000Z');
    expect(codeOf(() => check(ISO_TIME, '2026-02-01 10:00', 't'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => check(ISO_TIME, '2026-02-01T10:00:00+02:00', 't'))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(() => check(ISO_TIME, '2026-13-45T10:00:00Z', 't'))).toBe('INVALID_ARGUMENT');
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
  it('is the same whatever the insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
    expect(() => canonicalJson({ f: () => 1 })).toThrow();
  });
});

describe('unknown transactions', () => {
  it('answer with a catalogue code', async () => {
    const ctx = {
      stub: { getFunctionAndParameters: () => ({ fcn: 'access:DropAllRecords', params: [] }) },
    };
    await expect(new AccessContract().unknownTransaction(ctx as never)).rejects.toThrow(
      'BAD_REQUEST: unknown transaction access:DropAllRecords',
    );
  });
});
