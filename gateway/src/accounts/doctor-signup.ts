// Doctor signup: the government ID must be in the imported registry; a 6-digit code goes by SMS
// to the phone ON FILE in the registry (never to a number the applicant types). A code is valid
// for `ttlSeconds`, allows `maxAttempts` tries, at most `maxPerHour` codes per ID are sent, and
// only an HMAC of it (keyed with the server's pepper) is stored.
import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { Op } from 'sequelize';
import { CodedError } from '@ehr/common';
import type { Database } from '../db/database';
import type { User } from '../db/models';
import type { SmsSender } from '../sms/sms';
import { type Accounts, checkPasswordPair } from './accounts';

export interface OtpSettings {
  ttlSeconds: number;
  maxAttempts: number;
  maxPerHour: number;
}

export interface CodeSent {
  challengeId: string;
  /** The last two digits of the registered phone, e.g. "••12". */
  phoneHint: string;
  expiresAt: string;
  attemptsRemaining: number;
}

export interface DoctorAccountRequest {
  challengeId: string;
  code: string;
  username: string;
  email: string;
  password: string;
  passwordConfirmation: string;
}

export class DoctorSignup {
  constructor(
    private readonly db: Database,
    private readonly accounts: Accounts,
    private readonly sms: SmsSender,
    private readonly pepper: string,
    private readonly settings: OtpSettings,
    private readonly hospitalName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private codeHash(challengeId: string, code: string): string {
    return createHmac('sha256', this.pepper).update(`otp|${challengeId}|${code}`).digest('hex');
  }

  async sendCode(govId: string): Promise<CodeSent> {
    const { GovRegistryEntry, OtpChallenge, User } = this.db.models;
    const entry = await GovRegistryEntry.findByPk(govId);
    if (!entry) throw new CodedError('GOV_ID_UNKNOWN');
    if (await User.findOne({ where: { govId } })) throw new CodedError('GOV_ID_REGISTERED');

    const now = this.now();
    const hourAgo = new Date(now.getTime() - 3600_000);
    const recent = await OtpChallenge.findAll({
      where: { govId, createdAt: { [Op.gt]: hourAgo } },
      order: [['createdAt', 'ASC']],
    });
    if (recent.length >= this.settings.maxPerHour) {
      const oldest = recent[0]!.createdAt.getTime();
      throw new CodedError('OTP_SEND_LIMIT', undefined, {
        retryAfterSeconds: Math.ceil((oldest + 3600_000 - now.getTime()) / 1000),
      });
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const id = randomUUID();
    const expiresAt = new Date(now.getTime() + this.settings.ttlSeconds * 1000);
    await this.db.sequelize.transaction(async (t) => {
      // A new code replaces any earlier one for this ID.
      await OtpChallenge.update(
        { consumedAt: now },
        { where: { govId, consumedAt: null }, transaction: t },
      );
      await OtpChallenge.create(
        { id, govId, codeHash: this.codeHash(id, code), expiresAt, consumedAt: null },
        { transaction: t },
      );
    });
    const minutes = Math.round(this.settings.ttlSeconds / 60);
    try {
      await this.sms.send(
        entry.phone,
        `${code} is your ${this.hospitalName} sign-up code. It expires in ${minutes} minutes. Never share it.`,
      );
    } catch (e) {
      await OtpChallenge.destroy({ where: { id } });
      throw e instanceof CodedError ? e : new CodedError('SMS_UNAVAILABLE');
    }
    return {
      challengeId: id,
      phoneHint: `••${entry.phone.slice(-2)}`,
      expiresAt: expiresAt.toISOString(),
      attemptsRemaining: this.settings.maxAttempts,
    };
  }

  /**
   * Checks the code and creates the account. A wrong code costs an attempt; the code is used up
   * only when the account is created (a taken username can be corrected and sent again).
   */
  async createAccount(req: DoctorAccountRequest): Promise<User> {
    checkPasswordPair(req.password, req.passwordConfirmation);
    const { OtpChallenge, GovRegistryEntry } = this.db.models;
    const challenge = await OtpChallenge.findByPk(req.challengeId);
    if (!challenge)
      throw new CodedError(
        'OTP_INVALID',
        'This code request is unknown. Please ask for a new code.',
      );
    if (challenge.consumedAt || challenge.expiresAt.getTime() < this.now().getTime()) {
      throw new CodedError('OTP_EXPIRED');
    }
    if (challenge.attempts >= this.settings.maxAttempts)
      throw new CodedError('OTP_ATTEMPTS_EXCEEDED');

    const expected = Buffer.from(challenge.codeHash, 'hex');
    const given = Buffer.from(this.codeHash(challenge.id, req.code), 'hex');
    if (!timingSafeEqual(expected, given)) {
      // Atomic increment: concurrent guesses cannot share one attempt.
      const [rows] = (await this.db.sequelize.query(
        'UPDATE otp_challenges SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts',
        { bind: [challenge.id] },
      )) as [{ attempts: number }[], unknown];
      const attempts = rows[0]?.attempts ?? challenge.attempts + 1;
      const attemptsRemaining = Math.max(0, this.settings.maxAttempts - attempts);
      if (attemptsRemaining === 0) throw new CodedError('OTP_ATTEMPTS_EXCEEDED');
      throw new CodedError('OTP_INVALID', undefined, { attemptsRemaining });
    }

    const entry = await GovRegistryEntry.findByPk(challenge.govId);
    if (!entry) throw new CodedError('GOV_ID_UNKNOWN');
    return this.accounts.create(
      {
        role: 'doctor',
        username: req.username,
        email: req.email,
        fullName: entry.fullName,
        phone: entry.phone,
        govId: entry.govId,
        specialty: entry.specialty,
        password: req.password,
      },
      async (t) => {
        // Used exactly once, even if two requests carry the right code at the same moment.
        const [used] = await OtpChallenge.update(
          { consumedAt: this.now() },
          { where: { id: challenge.id, consumedAt: null }, transaction: t },
        );
        if (used !== 1) throw new CodedError('OTP_EXPIRED');
      },
    );
  }
}
