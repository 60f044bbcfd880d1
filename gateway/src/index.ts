export { createGateway, gatewayLogger, type GatewayOptions, type RunningGateway } from './gateway';
export { loadGatewayConfig, ConfigError, type GatewayConfig } from './config/config';
export {
  GATEWAY_NODE_FLAGS,
  GATEWAY_PROCESS_ENV,
  gatewayService,
  gatewayServices,
  gatewayServiceName,
  type GatewayServiceOptions,
} from './service';
export { demoLogins, type DemoLogin } from './demo';
export type { SignedProposalEvent } from './ledger/connection';
export { SmsSink, type SinkMessage } from './sms/sms';
export { bootstrapAdminLedger } from './accounts/bootstrap';
export type { GatewayContext } from './http/context';
export { caller, requireUser, type Caller } from './http/auth-guard';
export type { UserLedger, Submitted } from './ledger/connection';
export { unsealPrivateKey } from './custody/key-custody';
export { openDatabase, migrate, type Database } from './db/database';
