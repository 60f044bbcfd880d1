import { CaptchaAnswerBook, checkCaptcha, issueCaptcha } from '../src/auth/captcha';

describe('captcha', () => {
  it('is an SVG whose answer is kept only as a hash', () => {
    const c = issueCaptcha();
    expect(c.svg.startsWith('<svg')).toBe(true);
    expect(c.answer).toHaveLength(6);
    expect(JSON.stringify(c.pending)).not.toContain(c.answer);
  });

  it('accepts the right answer (case-insensitive) and refuses a wrong one, another id or an old one', () => {
    const now = Date.now();
    const c = issueCaptcha(now);
    expect(() => checkCaptcha(c.pending, c.pending.id, c.answer.toUpperCase(), now)).not.toThrow();
    expect(() => checkCaptcha(c.pending, c.pending.id, 'zzzzzz', now)).toThrow(
      expect.objectContaining({ code: 'CAPTCHA_INVALID' }),
    );
    expect(() => checkCaptcha(c.pending, 'another', c.answer, now)).toThrow(
      expect.objectContaining({ code: 'CAPTCHA_INVALID' }),
    );
    expect(() => checkCaptcha(c.pending, c.pending.id, c.answer, now + 6 * 60_000)).toThrow(
      expect.objectContaining({ code: 'CAPTCHA_INVALID' }),
    );
    expect(() => checkCaptcha(undefined, c.pending.id, c.answer, now)).toThrow(
      expect.objectContaining({ code: 'CAPTCHA_INVALID' }),
    );
  });

  it('the development answer book is bounded', () => {
    const book = new CaptchaAnswerBook(2);
    book.remember('a', '1');
    book.remember('b', '2');
    book.remember('c', '3');
    expect(book.answer('a')).toBeUndefined();
    expect(book.answer('c')).toBe('3');
  });
});
