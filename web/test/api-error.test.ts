// Every gateway error is shown in words keyed by its stable code (the one catalogue in
// @ehr/common), with what the code carries: attempts left, when to retry, bad fields and lines.
import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { ERRORS } from '@ehr/common';
import { describeError, describeErrorAsync, waitInWords } from '../src/app/core/api-error';

const refused = (status: number, body: unknown, headers?: Record<string, string>) =>
  new HttpErrorResponse({ status, error: body, headers: new HttpHeaders(headers) });

describe('describeError', () => {
  it('says the catalogue sentence of every code the gateway may send', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      const shown = describeError(refused(entry.status, { code, message: 'server words' }));
      expect(shown).toMatchObject({ code, status: entry.status, text: entry.message });
    }
  });

  it('adds the attempts left to a wrong code, in singular and plural', () => {
    const one = describeError(
      refused(400, { code: 'OTP_INVALID', message: 'x', details: { attemptsRemaining: 1 } }),
    );
    expect(one.text).toBe(`${ERRORS.OTP_INVALID.message} 1 attempt left.`);
    expect(one.attemptsRemaining).toBe(1);
    const none = describeError(
      refused(400, { code: 'OTP_INVALID', message: 'x', details: { attemptsRemaining: 0 } }),
    );
    expect(none.text).toBe(`${ERRORS.OTP_INVALID.message} No attempts left.`);
  });

  it('says when to try again, from the details or else from Retry-After', () => {
    const fromDetails = describeError(
      refused(429, { code: 'OTP_SEND_LIMIT', message: 'x', details: { retryAfterSeconds: 1800 } }),
    );
    expect(fromDetails.text).toBe(
      `${ERRORS.OTP_SEND_LIMIT.message} You can try again in 30 minutes.`,
    );
    const fromHeader = describeError(
      refused(429, { code: 'RATE_LIMITED', message: 'x' }, { 'Retry-After': '45' }),
    );
    expect(fromHeader.retryAfterSeconds).toBe(45);
    expect(fromHeader.text).toBe(`${ERRORS.RATE_LIMITED.message} You can try again in 45 seconds.`);
  });

  it('keeps the bad fields and the bad CSV lines for the form to show', () => {
    const fields = [{ path: 'body.phone', message: 'must match pattern' }];
    const lines = [{ line: 3, field: 'phone', message: 'not E.164' }];
    expect(
      describeError(refused(400, { code: 'VALIDATION_FAILED', message: 'x', details: { fields } }))
        .fields,
    ).toEqual(fields);
    expect(
      describeError(
        refused(422, { code: 'REGISTRY_CSV_INVALID', message: 'x', details: { lines } }),
      ).lines,
    ).toEqual(lines);
  });

  it('reads a body that came as text', () => {
    const shown = describeError(
      refused(403, JSON.stringify({ code: 'CONSENT_REVOKED', message: 'x' })),
    );
    expect(shown.text).toBe(ERRORS.CONSENT_REVOKED.message);
  });

  it('tells an unreachable server, an unknown code and a non-HTTP failure apart', () => {
    expect(describeError(new HttpErrorResponse({ status: 0 })).code).toBe('NETWORK');
    const unknown = describeError(refused(418, { code: 'NO_SUCH_CODE', message: 'x' }));
    expect(unknown).toMatchObject({ code: 'UNKNOWN', text: 'The request was refused (418).' });
    expect(describeError(refused(502, '<html>bad gateway</html>')).text).toBe(
      ERRORS.INTERNAL.message,
    );
    expect(describeError(new Error('boom'))).toMatchObject({
      code: 'UNKNOWN',
      text: ERRORS.INTERNAL.message,
    });
  });

  it('reads the error of a download (a Blob body)', async () => {
    const blob = new Blob([JSON.stringify({ code: 'KEY_NOT_AVAILABLE', message: 'x' })]);
    const shown = await describeErrorAsync(refused(409, blob));
    expect(shown.text).toBe(ERRORS.KEY_NOT_AVAILABLE.message);
  });
});

describe('waitInWords', () => {
  it.each([
    [1, '1 second'],
    [89, '89 seconds'],
    [90, '2 minutes'],
    [3600, '60 minutes'],
  ])('%i seconds → %s', (s, words) => expect(waitInWords(s)).toBe(words));
});
