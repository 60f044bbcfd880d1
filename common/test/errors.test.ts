import { CodedError, ERRORS, codeInMessage } from '../src/errors';

describe('error catalogue', () => {
  it('maps every code to a 4xx or 5xx status', () => {
    for (const spec of Object.values(ERRORS)) {
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
    }
  });

  it('finds a code inside a chaincode error message', () => {
    expect(codeInMessage('chaincode response 500, ACCESS_DENIED: no grant')).toBe('ACCESS_DENIED');
    expect(codeInMessage('chaincode response 500, SOMETHING_ELSE: x')).toBeUndefined();
  });

  it('carries the status of its code', () => {
    const e = new CodedError('FORBIDDEN_ROLE');
    expect(e.status).toBe(403);
    expect(String(e)).toBe(`FORBIDDEN_ROLE: ${ERRORS.FORBIDDEN_ROLE.message}`);
  });
});
