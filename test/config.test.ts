import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration } from '../lib/config.js';

describe('configuration', () => {
  it('has working defaults for the zero-setup start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, database: { url: undefined }, temporal: { address: undefined, namespace: 'default', taskQueue: 'repatriation-cases' } });
    expect(config.timings).toEqual({ identityMs: 7 * 86_400_000, approvalMs: 5 * 86_400_000, handoverMs: 3 * 86_400_000, escalationIntervalMs: 48 * 3_600_000, maxTransferAttempts: 3 });
  });

  it('reads deadlines as durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(loadConfig({ APPROVAL_DEADLINE: '2d' }).timings.approvalMs).toBe(172_800_000);
  });

  it('fails fast naming the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ APPROVAL_DEADLINE: 'soon' })).toThrow(/APPROVAL_DEADLINE: not a duration/);
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: '/x.pem' })).toThrow(/TEMPORAL_TLS_KEY_PATH/);
  });
});
