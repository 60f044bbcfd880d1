import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork } from '@ehr/network';
import { ConfigError, loadGatewayConfig } from '../src/config/config';

describe('gateway configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
  const net = loadNetwork({ dataDir: dir, portOffset: 0 });
  const base = { EHR_HOSPITAL: 'Hospital1', EHR_GATEWAY_DATA_DIR: join(dir, 'gw') };

  it('takes the port, peer endpoint, channel and chaincode from network.yaml', () => {
    const c = loadGatewayConfig(base, net);
    const h1 = net.hospitals.find((h) => h.name === 'Hospital1')!;
    expect(c.port).toBe(h1.gateway.port);
    expect(c.ledger.endpoint).toBe(`127.0.0.1:${h1.peer.port}`);
    expect(c.ledger.chaincode).toBe(net.chaincode.name);
    expect(c.devEndpoints).toBe(true);
    expect(c.twilio).toBeUndefined();
  });

  it('generates local secrets once, 0600, and reuses them', () => {
    const a = loadGatewayConfig(base, net);
    const b = loadGatewayConfig(base, net);
    expect(a.sessionSecret).toBe(b.sessionSecret);
    expect(a.keyPepper).not.toBe(a.sessionSecret);
    expect(statSync(join(dir, 'gw', 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  it('reads the reverse-proxy setting as a hop count or as addresses', () => {
    expect(loadGatewayConfig(base, net).trustProxy).toBe(false);
    expect(loadGatewayConfig({ ...base, EHR_TRUST_PROXY: '1' }, net).trustProxy).toBe(1);
    expect(loadGatewayConfig({ ...base, EHR_TRUST_PROXY: 'loopback' }, net).trustProxy).toBe(
      'loopback',
    );
  });

  it('refuses an unknown hospital, half a Twilio configuration and a weak bcrypt cost', () => {
    expect(() => loadGatewayConfig({ ...base, EHR_HOSPITAL: 'Nowhere' }, net)).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ ...base, TWILIO_AUTH_TOKEN: 'x'.repeat(32) }, net)).toThrow(
      /together/,
    );
    expect(() => loadGatewayConfig({ ...base, EHR_BCRYPT_COST: '10' }, net)).toThrow(ConfigError);
  });

  it('in production, needs secrets from the environment and Twilio, and refuses development endpoints', () => {
    const prod = {
      ...base,
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db.example/ehr',
      EHR_SESSION_SECRET: 's'.repeat(40),
      EHR_KEY_CUSTODY_PEPPER: 'k'.repeat(40),
      EHR_BOOTSTRAP_ADMIN_PASSWORD: 'a long admin password',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 't'.repeat(32),
      TWILIO_FROM_NUMBER: '+14155550100',
    };
    const c = loadGatewayConfig(prod, net);
    expect(c.production).toBe(true);
    expect(c.devEndpoints).toBe(false);
    expect(c.twilio?.fromNumber).toBe('+14155550100');
    expect(() => loadGatewayConfig({ ...prod, EHR_KEY_CUSTODY_PEPPER: undefined }, net)).toThrow(
      /EHR_KEY_CUSTODY_PEPPER/,
    );
    expect(() =>
      loadGatewayConfig(
        {
          ...prod,
          TWILIO_ACCOUNT_SID: undefined,
          TWILIO_AUTH_TOKEN: undefined,
          TWILIO_FROM_NUMBER: undefined,
        },
        net,
      ),
    ).toThrow(/Twilio/);
    expect(() => loadGatewayConfig({ ...prod, EHR_DEV_ENDPOINTS: 'true' }, net)).toThrow(
      /EHR_DEV_ENDPOINTS/,
    );
  });
});
