// The gateway process of one hospital (EHR_HOSPITAL): validates configuration, migrates the
// database, creates the bootstrap admin (and demo accounts with EHR_DEMO_DATA=true), listens.
import { ConfigError, loadGatewayConfig } from './config/config';
import { ensureDemoAccounts } from './demo';
import { createGateway, gatewayLogger } from './gateway';

async function main(): Promise<void> {
  let config;
  try {
    config = loadGatewayConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const log = gatewayLogger(config);
  const gateway = await createGateway(config, { log });
  if (process.env.EHR_DEMO_DATA === 'true') await ensureDemoAccounts(gateway.ctx);
  // After the demo accounts, so their doctor is listed at once.
  gateway.ctx.directory?.start();
  await gateway.listen();
  // Names of this hospital's doctors for the other members' gateways, and theirs for this one.
  await gateway.listenFederation();
  gateway.ctx.remoteNames?.start();
  log.info(
    {
      url: `http://${config.host}:${config.port}`,
      federationPort: config.federation.port,
      sms: gateway.ctx.sms.kind,
    },
    'gateway listening',
  );

  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  // Never print configuration values here: only what failed.
  console.error(`gateway failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
