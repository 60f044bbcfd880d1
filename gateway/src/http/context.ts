// Everything a request handler may use, built once per gateway (see app.ts / main.ts).
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Accounts } from '../accounts/accounts';
import type { DoctorSignup } from '../accounts/doctor-signup';
import type { LoginService } from '../accounts/login';
import type { SignupThrottle } from '../auth/signup-throttle';
import type { CaptchaAnswerBook } from '../auth/captcha';
import type { BcryptHasher } from '../auth/passwords';
import type { IdentityAuthority } from '../ca/authority';
import type { GatewayConfig } from '../config/config';
import type { SessionKeyStore } from '../custody/session-keys';
import type { Database } from '../db/database';
import type { DoctorDirectory } from '../directory/doctor-directory';
import type { RemoteDoctorNames } from '../directory/federation/name-cache';
import type { LedgerConnection } from '../ledger/connection';
import type { Records } from '../records';
import type { SmsSender } from '../sms/sms';

export interface GatewayContext {
  config: GatewayConfig;
  log: Logger;
  db: Database;
  pool: Pool;
  hasher: BcryptHasher;
  accounts: Accounts;
  login: LoginService;
  doctorSignup: DoctorSignup;
  signupThrottle: SignupThrottle;
  captchas?: CaptchaAnswerBook;
  keys: SessionKeyStore;
  sms: SmsSender;
  ca: IdentityAuthority;
  ledger: LedgerConnection;
  /** This hospital's doctors in the consortium's directory (made by createGateway). */
  directory?: DoctorDirectory;
  /** Other member hospitals' doctors' names, cached from their gateways (made by createGateway). */
  remoteNames?: RemoteDoctorNames;
  /** The records path (made by createGateway; buildApp makes one when absent). */
  records?: Records;
}
