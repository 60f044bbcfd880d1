// Server-generated, server-verified captchas (svg-captcha). The answer never leaves the server:
// the session keeps only its hash, for a short time, and each captcha is good for one try.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import svgCaptcha from 'svg-captcha';
import { CodedError } from '@ehr/common';

export interface PendingCaptcha {
  id: string;
  answerHash: string;
  expiresAt: number;
}

export interface IssuedCaptcha {
  pending: PendingCaptcha;
  svg: string;
  /** The plain answer: handed to the dev-only answer book, never to the client. */
  answer: string;
}

const TTL_MS = 5 * 60_000;
const hashAnswer = (id: string, text: string) =>
  createHash('sha256').update(`${id}:${text.trim().toLowerCase()}`).digest('hex');

export function issueCaptcha(now = Date.now()): IssuedCaptcha {
  const c = svgCaptcha.create({
    size: 6,
    noise: 3,
    ignoreChars: '0oO1lIi',
    color: false,
    background: '#ffffff',
  });
  const id = randomUUID();
  return {
    pending: { id, answerHash: hashAnswer(id, c.text), expiresAt: now + TTL_MS },
    svg: c.data,
    answer: c.text,
  };
}

/** Throws CAPTCHA_INVALID unless `answer` solves the pending captcha `id`. The caller discards it either way. */
export function checkCaptcha(
  pending: PendingCaptcha | undefined,
  id: string,
  answer: string,
  now = Date.now(),
): void {
  if (!pending || pending.id !== id || pending.expiresAt < now) {
    throw new CodedError(
      'CAPTCHA_INVALID',
      'The picture expired or was already used. Please try a new picture.',
    );
  }
  const a = Buffer.from(pending.answerHash, 'hex');
  const b = Buffer.from(hashAnswer(id, answer), 'hex');
  if (!timingSafeEqual(a, b)) throw new CodedError('CAPTCHA_INVALID');
}

/**
 * Development only (EHR_DEV_ENDPOINTS): remembers answers so automated tests and the local demo
 * can solve captchas. Bounded; never enabled in production (the configuration refuses it).
 */
export class CaptchaAnswerBook {
  private readonly answers = new Map<string, string>();
  constructor(private readonly max = 10_000) {}
  remember(id: string, answer: string): void {
    if (this.answers.size >= this.max) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(id, answer);
  }
  answer(id: string): string | undefined {
    return this.answers.get(id);
  }
}
