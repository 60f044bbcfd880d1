export { createGateway, gatewayLogger, type GatewayOptions, type RunningGateway } from './gateway';
export { loadGatewayConfig, ConfigError, type GatewayConfig } from './config/config';
export { gatewayService, gatewayServices, gatewayServiceName, type GatewayServiceOptions } from './service';
export { demoLogins, type DemoLogin } from './demo';
export type { SignedProposalEvent } from './ledger/connection';
export { SmsSink, type SinkMessage } from './sms/sms';
