// Sequelize models over the tables created by migrations/ (the models never create tables).
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from 'sequelize';
import type { SealedKey } from '../custody/key-custody';

export const ROLES = ['patient', 'doctor', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: string;
  declare role: Role;
  declare username: string;
  declare email: string;
  declare fullName: string;
  declare address: string | null;
  declare phone: string | null;
  declare govId: string | null;
  declare specialty: string | null;
  declare passwordHash: string;
  declare enrollmentId: string;
  declare certificate: string;
  declare sealedKey: SealedKey;
  declare disabledAt: Date | null;
  declare lastLoginAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class GovRegistryEntry extends Model<
  InferAttributes<GovRegistryEntry>,
  InferCreationAttributes<GovRegistryEntry>
> {
  declare govId: string;
  declare fullName: string;
  declare phone: string;
  declare specialty: string;
  declare importedAt: CreationOptional<Date>;
  declare importedBy: string | null;
}

export class OtpChallenge extends Model<
  InferAttributes<OtpChallenge>,
  InferCreationAttributes<OtpChallenge>
> {
  declare id: string;
  declare govId: string;
  declare codeHash: string;
  declare attempts: CreationOptional<number>;
  declare expiresAt: Date;
  declare consumedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
}

export type LoginOutcome =
  'success' | 'bad_password' | 'unknown_user' | 'disabled' | 'captcha_failed' | 'throttled';

export class LoginAudit extends Model<
  InferAttributes<LoginAudit>,
  InferCreationAttributes<LoginAudit>
> {
  declare id: CreationOptional<number>;
  declare userId: string | null;
  declare username: string;
  declare role: string | null;
  declare ip: string;
  declare outcome: LoginOutcome;
  declare createdAt: CreationOptional<Date>;
}

/** One auditor's verify run of the ledger against its Ethereum anchors. */
export class AnchorVerification extends Model<
  InferAttributes<AnchorVerification>,
  InferCreationAttributes<AnchorVerification>
> {
  declare id: CreationOptional<string>;
  declare channel: string;
  declare ok: boolean;
  declare checkedAt: Date;
  declare checkedBy: string | null;
  // bigint columns: pg hands them over as decimal strings.
  declare ledgerHeight: string;
  declare blocksChecked: string;
  declare anchorsMatched: number;
  declare anchorsChecked: number;
  declare problemCount: number;
  declare firstMismatchBlock: string | null;
  declare firstMismatch: string | null;
}

export interface Models {
  User: typeof User;
  GovRegistryEntry: typeof GovRegistryEntry;
  OtpChallenge: typeof OtpChallenge;
  LoginAudit: typeof LoginAudit;
  AnchorVerification: typeof AnchorVerification;
}

/** Binds fresh subclasses to one Sequelize instance, so two gateways can live in one process (tests). */
export function defineModels(sequelize: Sequelize): Models {
  const common = { sequelize, underscored: true };
  const UserModel = class extends User {};
  const GovRegistryModel = class extends GovRegistryEntry {};
  const OtpModel = class extends OtpChallenge {};
  const AuditModel = class extends LoginAudit {};
  const VerificationModel = class extends AnchorVerification {};
  UserModel.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      role: { type: DataTypes.TEXT, allowNull: false },
      username: { type: DataTypes.TEXT, allowNull: false },
      email: { type: DataTypes.TEXT, allowNull: false },
      fullName: { type: DataTypes.TEXT, allowNull: false },
      address: DataTypes.TEXT,
      phone: DataTypes.TEXT,
      govId: DataTypes.TEXT,
      specialty: DataTypes.TEXT,
      passwordHash: { type: DataTypes.TEXT, allowNull: false },
      enrollmentId: { type: DataTypes.TEXT, allowNull: false },
      certificate: { type: DataTypes.TEXT, allowNull: false },
      sealedKey: { type: DataTypes.JSONB, allowNull: false },
      disabledAt: DataTypes.DATE,
      lastLoginAt: DataTypes.DATE,
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { ...common, tableName: 'users' },
  );
  GovRegistryModel.init(
    {
      govId: { type: DataTypes.TEXT, primaryKey: true },
      fullName: { type: DataTypes.TEXT, allowNull: false },
      phone: { type: DataTypes.TEXT, allowNull: false },
      specialty: { type: DataTypes.TEXT, allowNull: false },
      importedAt: DataTypes.DATE,
      importedBy: DataTypes.UUID,
    },
    { ...common, tableName: 'gov_registry', timestamps: false },
  );
  OtpModel.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      govId: { type: DataTypes.TEXT, allowNull: false },
      codeHash: { type: DataTypes.TEXT, allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      expiresAt: { type: DataTypes.DATE, allowNull: false },
      consumedAt: DataTypes.DATE,
      createdAt: DataTypes.DATE,
    },
    { ...common, tableName: 'otp_challenges', updatedAt: false },
  );
  AuditModel.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      userId: DataTypes.UUID,
      username: { type: DataTypes.TEXT, allowNull: false },
      role: DataTypes.TEXT,
      ip: { type: DataTypes.TEXT, allowNull: false },
      outcome: { type: DataTypes.TEXT, allowNull: false },
      createdAt: DataTypes.DATE,
    },
    { ...common, tableName: 'login_audit', updatedAt: false },
  );
  VerificationModel.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      channel: { type: DataTypes.TEXT, allowNull: false },
      ok: { type: DataTypes.BOOLEAN, allowNull: false },
      checkedAt: { type: DataTypes.DATE, allowNull: false },
      checkedBy: DataTypes.UUID,
      ledgerHeight: { type: DataTypes.BIGINT, allowNull: false },
      blocksChecked: { type: DataTypes.BIGINT, allowNull: false },
      anchorsMatched: { type: DataTypes.INTEGER, allowNull: false },
      anchorsChecked: { type: DataTypes.INTEGER, allowNull: false },
      problemCount: { type: DataTypes.INTEGER, allowNull: false },
      firstMismatchBlock: DataTypes.BIGINT,
      firstMismatch: DataTypes.TEXT,
    },
    { ...common, tableName: 'anchor_verifications', timestamps: false },
  );
  return {
    User: UserModel,
    GovRegistryEntry: GovRegistryModel,
    OtpChallenge: OtpModel,
    LoginAudit: AuditModel,
    AnchorVerification: VerificationModel,
  };
}
