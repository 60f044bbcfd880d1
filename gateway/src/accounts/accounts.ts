// Creating accounts: the database row and the person's Fabric identity come into being together
// or not at all. Order: every check that can fail on input first (uniqueness, passwords), then
// the CA (register + enrol with a key made here), then the key is sealed and the row inserted in
// one transaction; if that insert fails, the fresh CA identity is revoked.
import { randomUUID } from 'node:crypto';
import { Op, type Transaction, UniqueConstraintError } from 'sequelize';
import { CodedError } from '@ehr/common';
import type { PasswordHasher } from '../auth/passwords';
import type { IdentityAuthority } from '../ca/authority';
import { sealPrivateKey } from '../custody/key-custody';
import type { Database } from '../db/database';
import type { Role, User } from '../db/models';

const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether `uid` can be an account of this gateway (a UUID, as the database keys them). A ledger id
 * names its person with any uid the hospital's admin chose: it is checked before any query, so an
 * odd one finds nobody instead of failing the query (and the request) for everyone.
 */
export const isAccountId = (uid: string): boolean => ACCOUNT_ID.test(uid);

export interface NewAccount {
  role: Role;
  username: string;
  email: string;
  fullName: string;
  password: string;
  address?: string;
  phone?: string;
  govId?: string;
  specialty?: string;
}

/** What any endpoint may show about an account (never the hash, key or certificate). */
export interface PublicUser {
  id: string;
  personId: string;
  role: Role;
  username: string;
  email: string;
  fullName: string;
  phone: string | null;
  address: string | null;
  govId: string | null;
  specialty: string | null;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export function publicUser(u: User, mspId: string): PublicUser {
  return {
    id: u.id,
    personId: `${mspId}/${u.id}`,
    role: u.role,
    username: u.username,
    email: u.email,
    fullName: u.fullName,
    phone: u.phone,
    address: u.address,
    govId: u.govId,
    specialty: u.specialty,
    disabled: u.disabledAt !== null,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
  };
}

/** bcrypt reads at most 72 bytes; longer passwords would be silently truncated. */
export function checkPasswordPair(password: string, confirmation: string): void {
  if (password !== confirmation) throw new CodedError('PASSWORDS_DO_NOT_MATCH');
  if (Buffer.byteLength(password, 'utf8') > 72) {
    throw new CodedError('VALIDATION_FAILED', 'The password is longer than 72 bytes.', {
      fields: [{ path: 'body.password', message: 'must be at most 72 bytes' }],
    });
  }
}

export class Accounts {
  constructor(
    private readonly db: Database,
    private readonly hasher: PasswordHasher,
    private readonly ca: IdentityAuthority,
    private readonly pepper: string,
    readonly mspId: string,
  ) {}

  /** USERNAME_TAKEN / EMAIL_TAKEN before anything is created. */
  async checkAvailable(username: string, email: string, t?: Transaction): Promise<void> {
    const { User } = this.db.models;
    const clash = await User.findOne({
      where: {
        [Op.or]: [
          this.db.sequelize.where(
            this.db.sequelize.fn('lower', this.db.sequelize.col('username')),
            username.toLowerCase(),
          ),
          this.db.sequelize.where(
            this.db.sequelize.fn('lower', this.db.sequelize.col('email')),
            email.toLowerCase(),
          ),
        ],
      },
      transaction: t,
    });
    if (!clash) return;
    if (clash.username.toLowerCase() === username.toLowerCase())
      throw new CodedError('USERNAME_TAKEN');
    throw new CodedError('EMAIL_TAKEN');
  }

  /**
   * Creates the account and its Fabric identity. `inTransaction` runs inside the same database
   * transaction as the insert (e.g. consuming a one-time code) and can still abort everything.
   */
  async create(a: NewAccount, inTransaction?: (t: Transaction) => Promise<void>): Promise<User> {
    await this.checkAvailable(a.username, a.email);
    const id = randomUUID();
    const passwordHash = await this.hasher.hash(a.password);
    const enrolled = await this.ca.registerAndEnroll(id, {
      role: a.role,
      uid: id,
      ...(a.role === 'doctor' ? { govId: a.govId } : {}),
    });
    try {
      const sealedKey = await sealPrivateKey(enrolled.privateKeyPem, a.password, this.pepper, id);
      return await this.db.sequelize.transaction(async (t) => {
        await inTransaction?.(t);
        return this.db.models.User.create(
          {
            id,
            role: a.role,
            username: a.username,
            email: a.email.toLowerCase(),
            fullName: a.fullName,
            address: a.address ?? null,
            phone: a.phone ?? null,
            govId: a.govId ?? null,
            specialty: a.specialty ?? null,
            passwordHash,
            enrollmentId: id,
            certificate: enrolled.certificate,
            sealedKey,
            disabledAt: null,
            lastLoginAt: null,
          },
          { transaction: t },
        );
      });
    } catch (e) {
      // Nothing half-made: the identity the CA just issued is revoked.
      await this.ca.remove(id).catch(() => undefined);
      if (e instanceof UniqueConstraintError) {
        // A concurrent signup won the race for the same name: say which unique index refused.
        const constraint = String((e.parent as { constraint?: string }).constraint ?? '');
        if (constraint.includes('email')) throw new CodedError('EMAIL_TAKEN');
        if (constraint.includes('gov_id')) throw new CodedError('GOV_ID_REGISTERED');
        throw new CodedError('USERNAME_TAKEN');
      }
      throw e;
    }
  }

  async findById(id: string): Promise<User | null> {
    return isAccountId(id) ? this.db.models.User.findByPk(id) : null;
  }

  async findLogin(role: Role, username: string): Promise<User | null> {
    const s = this.db.sequelize;
    return this.db.models.User.findOne({
      where: {
        role,
        [Op.and]: [s.where(s.fn('lower', s.col('username')), username.trim().toLowerCase())],
      },
    });
  }
}
