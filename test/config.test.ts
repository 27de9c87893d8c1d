import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration } from '../lib/config.js';

describe('configuration', () => {
  it('has working defaults for the zero-setup start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, database: { url: undefined }, temporal: { address: undefined, namespace: 'default', taskQueue: 'repatriation-cases' } });
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
});
