import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';

const PROD = { NODE_ENV: 'production', KAMI_MASTER_KEY: 'ab'.repeat(32), KAMI_ADMIN_EMAIL: 'owner@example.com' };

describe('production configuration', () => {
  it('has the sandbox provider and demo data off unless asked', () => {
    expect(loadConfig(PROD)).toMatchObject({ production: true, sandboxPayments: false, demo: false, unsafeProduction: [] });
    expect(loadConfig({})).toMatchObject({ production: false, sandboxPayments: true, demo: true });
  });

  it('refuses to start with sandbox payments or demo data on, naming them', () => {
    expect(() => loadConfig({ ...PROD, KAMI_SANDBOX_PAYMENTS: '1' })).toThrow(/KAMI_SANDBOX_PAYMENTS must be off in production/);
    expect(() => loadConfig({ ...PROD, KAMI_DEMO: '1' })).toThrow(/KAMI_DEMO must be off in production/);
  });

  it('starts a staging shop with the explicit override, and says what is unsafe', () => {
    const config = loadConfig({ ...PROD, KAMI_SANDBOX_PAYMENTS: '1', KAMI_DEMO: '1', KAMI_ALLOW_UNSAFE_PRODUCTION: '1' });
    expect(config.unsafeProduction).toEqual(['KAMI_SANDBOX_PAYMENTS', 'KAMI_DEMO']);
  });

  it('reads KAMI_TRUST_PROXY as off, a hop count or a list', () => {
    expect(loadConfig({}).KAMI_TRUST_PROXY).toBe(false);
    expect(loadConfig({ KAMI_TRUST_PROXY: '1' }).KAMI_TRUST_PROXY).toBe(1);
    expect(loadConfig({ KAMI_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).KAMI_TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
  });
});

describe('Temporal mTLS settings', () => {
  const cluster = { TEMPORAL_ADDRESS: 'temporal.internal:7233' };
  it('are off unless set, and taken as file paths when set', () => {
    expect(loadConfig(cluster).temporalTls).toBeUndefined();
    expect(loadConfig({ ...cluster, TEMPORAL_TLS_CERT: '/s/kami.crt', TEMPORAL_TLS_KEY: '/s/kami.key', TEMPORAL_TLS_CA: '/s/ca.crt' }).temporalTls)
      .toEqual({ certPath: '/s/kami.crt', keyPath: '/s/kami.key', caPath: '/s/ca.crt', serverName: undefined });
  });
  it('refuse a certificate without its key (or the reverse), or TLS without a cluster address', () => {
    expect(() => loadConfig({ ...cluster, TEMPORAL_TLS_CERT: '/s/kami.crt' })).toThrow(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/);
    expect(() => loadConfig({ ...cluster, TEMPORAL_TLS_KEY: '/s/kami.key' })).toThrow(/go together/);
    expect(() => loadConfig({ TEMPORAL_TLS_CA: '/s/ca.crt' })).toThrow(/need TEMPORAL_ADDRESS/);
  });
});
