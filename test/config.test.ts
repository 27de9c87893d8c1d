import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration, requireAuthConfiguration } from '../lib/config.js';

describe('configuration', () => {
  it('has working defaults for the zero-setup start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      database: { url: undefined },
      temporal: { address: undefined, namespace: 'default', taskQueue: 'repatriation-cases' },
    });
    const day = 86_400_000;
    expect(config.timings).toEqual({
      identityMs: 7 * day,
      screeningMs: 3 * day,
      approvalMs: 5 * day,
      handoverMs: 3 * day,
      consularMs: day,
      custodyMs: 60 * day,
      custodyExtensionMaxMs: 30 * day,
      custodyEscalationIntervalMs: day,
      escalationIntervalMs: 2 * day,
      maxTransferAttempts: 3,
    });
  });

  it('reads deadlines as durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(loadConfig({ APPROVAL_DEADLINE: '2d' }).timings.approvalMs).toBe(172_800_000);
  });

  it('leaves the worker cache to the SDK unless WORKER_MAX_CACHED_WORKFLOWS is set', () => {
    expect(loadConfig({}).worker.maxCachedWorkflows).toBeUndefined();
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '6000' }).worker.maxCachedWorkflows).toBe(6000);
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });

  it('fails fast naming the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ APPROVAL_DEADLINE: 'soon' })).toThrow(/APPROVAL_DEADLINE: not a duration/);
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: '/x.pem' })).toThrow(/TEMPORAL_TLS_KEY_PATH/);
  });

  it('bounds custody by CUSTODY_LIMIT_MAX, and reads the stream and open-transfer caps', () => {
    const day = 86_400_000;
    expect(loadConfig({}).limits).toEqual({ custodyLimitMaxMs: 90 * day, streamsPerUser: 5, streamsPerProcess: 1000, openTransfersPerOfficer: 50 });
    expect(() => loadConfig({ CUSTODY_LIMIT: '91d' })).toThrow(/CUSTODY_LIMIT: is longer than CUSTODY_LIMIT_MAX/);
    expect(loadConfig({ CUSTODY_LIMIT: '91d', CUSTODY_LIMIT_MAX: '120d' }).limits.custodyLimitMaxMs).toBe(120 * day);
    expect(() => loadConfig({ CUSTODY_LIMIT_MAX: '30d' })).toThrow(ConfigError);
    expect(loadConfig({ STREAMS_PER_USER: '2', STREAMS_PER_PROCESS: '10', OPEN_TRANSFERS_PER_OFFICER: '3' }).limits).toMatchObject({
      streamsPerUser: 2,
      streamsPerProcess: 10,
      openTransfersPerOfficer: 3,
    });
    expect(() => loadConfig({ STREAMS_PER_USER: '0' })).toThrow(/STREAMS_PER_USER/);
  });

  it('refuses an AUTH_SECRET shorter than 32 bytes', () => {
    expect(() => loadConfig({ AUTH_SECRET: 'twelve-chars' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH_SECRET: 'twelve-chars' })).toThrow(/AUTH_SECRET: must be at least 32 bytes/);
    expect(loadConfig({ AUTH_SECRET: 'x'.repeat(32) }).auth.secret).toBe('x'.repeat(32));
  });

  it('caps token lifetimes at AUTH_MAX_TOKEN_LIFETIME, 12 h by default', () => {
    expect(loadConfig({}).auth.maxTokenLifetimeSeconds).toBe(12 * 3600);
    expect(loadConfig({ AUTH_MAX_TOKEN_LIFETIME: '1h' }).auth.maxTokenLifetimeSeconds).toBe(3600);
    expect(() => loadConfig({ AUTH_MAX_TOKEN_LIFETIME: 'forever' })).toThrow(/AUTH_MAX_TOKEN_LIFETIME/);
    expect(() => loadConfig({ AUTH_MAX_TOKEN_LIFETIME: '10s' })).toThrow(/AUTH_MAX_TOKEN_LIFETIME/);
  });

  it('trusts no proxy unless TRUST_PROXY names them (addresses, CIDRs, ranges) or a hop count', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,loopback, 2001:db8::/32' }).http.trustProxy).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      'loopback',
      '2001:db8::/32',
    ]);
    for (const bad of ['true', 'everyone', '10.0.0.0/33', 'proxy.internal']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
    }
  });

  it('limits per client address before authentication', () => {
    expect(loadConfig({}).http).toMatchObject({
      rateLimitPerMinute: 1200,
      rateLimitPerAddressPerMinute: 6000,
      authFailuresPerAddressPerMinute: 120,
    });
    expect(loadConfig({ RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '50', AUTH_FAILURES_PER_ADDRESS_PER_MINUTE: '5' }).http).toMatchObject({
      rateLimitPerAddressPerMinute: 50,
      authFailuresPerAddressPerMinute: 5,
    });
    expect(() => loadConfig({ RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_PER_ADDRESS_PER_MINUTE/);
  });

  it('needs AUTH_SECRET or AUTH_JWKS_URL to serve, unless AUTH_DEV_MODE is set', () => {
    expect(() => requireAuthConfiguration(loadConfig({}), 'npm run api')).toThrow(ConfigError);
    expect(() => requireAuthConfiguration(loadConfig({}), 'npm run api')).toThrow(
      /npm run api needs AUTH_SECRET .* or AUTH_JWKS_URL.*AUTH_DEV_MODE=1/,
    );
    expect(() => requireAuthConfiguration(loadConfig({ AUTH_DEV_MODE: '0' }), 'npm run api')).toThrow(ConfigError);
    expect(() => requireAuthConfiguration(loadConfig({ AUTH_DEV_MODE: '1' }), 'npm run api')).not.toThrow();
    expect(() => requireAuthConfiguration(loadConfig({ AUTH_SECRET: 'x'.repeat(32) }), 'npm run api')).not.toThrow();
    expect(() => requireAuthConfiguration(loadConfig({ AUTH_JWKS_URL: 'https://idp.example/jwks.json' }), 'npm run api')).not.toThrow();
    expect(() => loadConfig({ AUTH_DEV_MODE: 'yes' })).toThrow(/AUTH_DEV_MODE/);
  });
});
