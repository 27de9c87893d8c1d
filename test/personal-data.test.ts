// Personal data never leaves in clear: Temporal histories hold ciphertext, search attributes and log
// lines hold no names or document numbers, the case store keeps document numbers as a keyed hash
// and ciphertext, and only an authorised person reads payloads, through the logged codec endpoint.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { listen, type RunningServer } from '../api/server.js';
import { auditLog, personDocuments } from '../db/schema.js';
import { EncryptionCodec } from '../lib/codec.js';
import { parseKeyRing } from '../lib/crypto.js';
import { log } from '../lib/log.js';
import { resolveTemporalBinary } from '../lib/temporal-binaries.js';
import { caseWorkflowId } from '../workflows/definitions.js';
import { TEST_PROTECT } from './helpers/api.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
const NAME = `Zhou Xiaoming ${Date.now()}`;
const PASSPORT = `EH${Date.now()}`;
let caseId: string;
let captured = '';
let restore: () => void;

beforeAll(async () => {
  // Every line written while the case runs, by the API, the worker and the SDK, is kept to search.
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured += chunk.toString();
    return (out as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured += chunk.toString();
    return (err as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  restore = () => {
    process.stdout.write = out;
    process.stderr.write = err;
  };

  log.setLevel('debug');
});
// Registered after the capture: the stack starts with every line already kept.
const t = useStack(u);
beforeAll(async () => {
  const opened = await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({}, { fullName: NAME, documents: [{ type: 'passport', number: PASSPORT, issuingCountry: 'CN' }] }));
  caseId = opened.body.caseId;
  await t.steps.toApproval(caseId);
  // Refusals and a duplicate too: error paths must not leak either.
  await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khOfficer, { decision: 'approve' });
  await t.stack.api.post('/v1/cases', u.khOfficer, { ...intakeBody({}, { fullName: NAME, documents: [{ type: 'passport', number: PASSPORT, issuingCountry: 'CN' }] }), unknownField: NAME });
  await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({}, { fullName: NAME, documents: [{ type: 'passport', number: PASSPORT, issuingCountry: 'CN' }] }));
  await t.steps.decide(caseId, u.khSupervisor);
  await t.steps.decide(caseId, u.cnSupervisor);
});
afterAll(async () => {
  restore?.();
  log.setLevel('info');
});

/** The history as the Temporal server stores it, read without the codec. */
async function rawHistory(workflowId: string): Promise<Buffer> {
  const raw = new Client({ connection: t.stack.connection });
  const history = await raw.workflow.getHandle(workflowId).fetchHistory();
  return Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
}

describe('Temporal holds ciphertext', () => {
  it('the raw history of a case contains neither the name nor the document number', async () => {
    const bytes = await rawHistory(caseWorkflowId(caseId));
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes.includes(Buffer.from(NAME))).toBe(false);
    expect(bytes.includes(Buffer.from(PASSPORT))).toBe(false);
    expect(bytes.includes(Buffer.from('binary/encrypted'))).toBe(true);
  });

  it('(the same search finds a name written without the codec, so it would catch a leak)', async () => {
    const raw = new Client({ connection: t.stack.connection });
    const workflowId = `control-${Date.now()}`;
    await raw.workflow.start('nothingRunsThis', { workflowId, taskQueue: `nobody-${workflowId}`, args: [{ fullName: NAME }] });
    expect((await rawHistory(workflowId)).includes(Buffer.from(NAME))).toBe(true);
    await raw.workflow.getHandle(workflowId).terminate();
  });

  it('search attributes carry only non-personal keys', async () => {
    const description = await t.stack.client.workflow.getHandle(caseWorkflowId(caseId)).describe();
    const attributes = JSON.stringify(description.searchAttributes);
    expect(attributes).toContain('APPROVED');
    expect(attributes).not.toContain(NAME);
    expect(attributes).not.toContain(PASSPORT);
  });

  it('payloads encrypted under a retired key still decrypt after rotation', async () => {
    const old = parseKeyRing(`k1:${Buffer.alloc(32, 1).toString('base64')}`);
    const rotated = parseKeyRing(`k2:${Buffer.alloc(32, 2).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}`);
    const payload = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(NAME)) };
    const [sealed] = await new EncryptionCodec(old).encode([payload]);
    const [opened] = await new EncryptionCodec(rotated).decode([sealed]);
    expect(new TextDecoder().decode(opened.data!)).toBe(JSON.stringify(NAME));
    const [resealed] = await new EncryptionCodec(rotated).encode([payload]);
    expect(new TextDecoder().decode(resealed.metadata!['encryption-key-id'])).toBe('k2');
    // A key no longer in the ring: the payload is not trusted (and not a throw that would fail the workflow task).
    const [unknown] = await new EncryptionCodec(parseKeyRing(`k2:${Buffer.alloc(32, 2).toString('base64')}`)).decode([sealed]);
    expect(JSON.parse(new TextDecoder().decode(unknown.data!))).toEqual({ $unauthenticated: 'unknown-key' });
  });
});

describe('logs and the case store', () => {
  it('no log line carries the name or the document number', () => {
    expect(captured.length).toBeGreaterThan(0);
    expect(captured).not.toContain(NAME);
    expect(captured).not.toContain(PASSPORT);
  });

  it('keeps document numbers as a keyed hash and ciphertext, still finding duplicates and showing the number to those in scope', async () => {
    const rows = await t.stack.database.db.select().from(personDocuments).where(eq(personDocuments.caseId, caseId));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(PASSPORT);
    expect(rows[0].numberHash).toBe(TEST_PROTECT.fingerprint(PASSPORT));
    expect(TEST_PROTECT.open(rows[0].numberSealed)).toBe(PASSPORT);
    const detail = await t.stack.api.get(`/v1/cases/${caseId}`, u.cnOfficer);
    expect(detail.body.person.documents[0].number).toBe(PASSPORT);
    // The second intake with the same passport was flagged as a likely duplicate person.
    expect(detail.body.flags.possibleDuplicateOf).toHaveLength(1);
  });
});

describe('the codec endpoint', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen(t.stack.api.app, 0, '127.0.0.1');
  });
  afterAll(() => server?.close());

  it('decrypts payloads for an admin or auditor, logged; refuses everyone else', async () => {
    const raw = new Client({ connection: t.stack.connection });
    const history = await raw.workflow.getHandle(caseWorkflowId(caseId)).fetchHistory();
    const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    const wire = {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(input.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          data: Buffer.from(input.data!).toString('base64'),
        },
      ],
    };
    expect((await t.stack.api.post('/codec/decode', u.khSupervisor, wire)).status).toBe(403);
    const decoded = await t.stack.api.post('/codec/decode', u.admin, wire);
    expect(decoded.status).toBe(200);
    expect(Buffer.from(decoded.body.payloads[0].data, 'base64').toString()).toContain(NAME);
    const logged = await t.stack.database.db.select().from(auditLog).where(eq(auditLog.action, 'payload.decode'));
    expect(logged.map((e) => e.actorSub)).toContain(u.admin.sub);
  });

  it('serves the Temporal CLI as a remote codec', async () => {
    const cli = await resolveTemporalBinary('temporal');
    const token = await t.stack.api.token(u.khAuditor);
    const { stdout } = await promisify(execFile)(cli!, [
      'workflow', 'show', '--workflow-id', caseWorkflowId(caseId), '--output', 'json',
      '--address', inject('temporalAddress'),
      '--codec-endpoint', `${server.url}/codec`, '--codec-auth', `Bearer ${token}`,
    ]);
    const shown = JSON.parse(stdout) as { events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { metadata: { encoding: string }; data: string }[] } } }[] };
    const input = shown.events[0].workflowExecutionStartedEventAttributes!.input.payloads[0];
    expect(Buffer.from(input.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(Buffer.from(input.data, 'base64').toString()).toContain(NAME);
  });

  it('answers the Web UI preflight for configured origins only', async () => {
    const allowed = await fetch(`${server.url}/codec/decode`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:8233', 'Access-Control-Request-Method': 'POST' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    const other = await fetch(`${server.url}/codec/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
