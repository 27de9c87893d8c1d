// The codec endpoint shows no one more than the API would: an auditor reads a case's payloads only
// when the auditor's country holds the case (the destination side never sees protection grounds or
// screening notes, which the API hides from it), admins read all, and a payload whose case cannot
// be established is for admins only. Payloads the caller may not read come back still encrypted.
// Every decode and every encode is an audit entry naming the cases, listed to their countries.
import { randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { unavailable } from '../api/errors.js';
import { caseWorkflowId, type Actor } from '../workflows/definitions.js';
import { testApp } from './helpers/api.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

type WirePayload = { metadata: Record<string, string>; data: string };

const u = makeUsers();
const laAuditor = u.user('auditor', 'LA');
const cnAuditor = u.user('auditor', 'CN');
const vnAuditor = u.user('auditor', 'VN');
const t = useStack(u);

const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');
const encodingOf = (p: WirePayload) => unb64(p.metadata.encoding);

/** Every payload in a workflow's history, as the Temporal server stores it (encrypted). */
async function historyPayloads(workflowId: string): Promise<WirePayload[]> {
  const history = await t.stack.client.workflow.getHandle(workflowId).fetchHistory();
  const found: WirePayload[] = [];
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (Array.isArray(value)) return value.forEach(visit);
    const p = value as temporal.api.common.v1.IPayload;
    if (p.metadata?.encoding instanceof Uint8Array && p.data instanceof Uint8Array) {
      found.push({
        metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        data: Buffer.from(p.data).toString('base64'),
      });
      return;
    }
    // Search attributes are not payloads the codec sees (they carry only non-personal keys).
    for (const [key, item] of Object.entries(value)) if (key !== 'searchAttributes' && key !== 'upsertedSearchAttributes') visit(item);
  };
  visit(history.events);
  return found;
}

async function decodeAuditEntries(caseId: string, as: Actor, action = 'payload.decode') {
  const res = await t.stack.api.get(`/v1/audit?action=${action}&objectId=${caseId}`, as);
  expect(res.status).toBe(200);
  return res.body.items as { actor: { sub: string }; objectIds: string[]; outcome: string; details: Record<string, unknown> }[];
}

describe("the codec endpoint's scope", () => {
  it("decodes a KH-held, CN-national case's payloads for KH auditors and admins only; others get them back encrypted; each decode is logged to KH and CN", async () => {
    const name = `Li Wei ${randomUUID().slice(0, 8)}`;
    const opened = await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({}, { fullName: name }));
    expect(opened.status).toBe(201);
    const caseId: string = opened.body.caseId;
    await t.steps.verify(caseId);
    await t.steps.screen(caseId, u.khOfficer, {
      indicators: [],
      notes: 'interviewed alone; no indicators',
      protectionClaim: { grounds: 'fears persecution at home' },
    });
    // (The local activity markers' bookkeeping, written by the SDK's core, is plaintext without personal data.)
    const payloads = (await historyPayloads(caseWorkflowId(caseId))).filter((p) => encodingOf(p) === 'binary/encrypted');
    expect(payloads.length).toBeGreaterThan(5);

    const decode = async (as: Actor) => {
      const res = await t.stack.api.post('/codec/decode', as, { payloads });
      expect(res.status).toBe(200);
      return res.body.payloads as WirePayload[];
    };
    for (const outsider of [laAuditor, cnAuditor]) {
      const answer = await decode(outsider);
      expect(answer).toEqual(payloads);
    }
    for (const reader of [u.khAuditor, u.admin]) {
      const answer = await decode(reader);
      expect(answer.filter((p) => encodingOf(p) === 'binary/encrypted')).toEqual([]);
      const text = answer.map((p) => unb64(p.data)).join('\n');
      expect(text).toContain(name);
      expect(text).toContain('fears persecution at home');
    }

    const readers = [laAuditor, cnAuditor, u.khAuditor, u.admin].map((a) => a.sub).sort();
    for (const auditor of [u.khAuditor, cnAuditor]) {
      const entries = await decodeAuditEntries(caseId, auditor);
      expect(entries.map((e) => e.actor.sub).sort()).toEqual(readers);
      for (const e of entries) expect(e.objectIds).toEqual([caseId]);
    }
    const byActor = Object.fromEntries((await decodeAuditEntries(caseId, u.khAuditor)).map((e) => [e.actor.sub, e]));
    expect(byActor[laAuditor.sub]).toMatchObject({
      outcome: 'denied',
      details: { payloads: payloads.length, decoded: 0, withheld: payloads.length },
    });
    expect(byActor[u.khAuditor.sub]).toMatchObject({
      outcome: 'ok',
      details: { payloads: payloads.length, decoded: payloads.length, withheld: 0 },
    });
    // An uninvolved country's auditor sees only its own actor's entry.
    expect((await decodeAuditEntries(caseId, laAuditor)).map((e) => e.actor.sub)).toEqual([laAuditor.sub]);
    expect(await decodeAuditEntries(caseId, vnAuditor)).toEqual([]);
  });

  it('decodes a payload whose case cannot be established for admins only', async () => {
    const plain = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify({ note: `no case here ${randomUUID()}` })) };
    const encoded = await t.stack.api.post('/codec/encode', u.admin, { payloads: [plain] });
    expect(encoded.status).toBe(200);
    const sealed = encoded.body.payloads as WirePayload[];
    expect(encodingOf(sealed[0])).toBe('binary/encrypted-external');

    const asAuditor = await t.stack.api.post('/codec/decode', u.khAuditor, { payloads: sealed });
    expect(asAuditor.status).toBe(200);
    expect(asAuditor.body.payloads).toEqual(sealed);
    const asAdmin = await t.stack.api.post('/codec/decode', u.admin, { payloads: sealed });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.payloads).toEqual([plain]);
  });

  it("logs every encode, naming the cases the payloads concern, to those cases' countries", async () => {
    const caseId = await t.steps.open();
    const payload = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify({ caseId, note: 'a test input' })) };
    const encoded = await t.stack.api.post('/codec/encode', u.khAuditor, { payloads: [payload] });
    expect(encoded.status).toBe(200);
    const entries = await decodeAuditEntries(caseId, cnAuditor, 'payload.encode');
    expect(entries).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ sub: u.khAuditor.sub }),
        objectIds: [caseId],
        outcome: 'ok',
        details: expect.objectContaining({ payloads: 1 }),
      }),
    ]);
    expect(JSON.stringify(entries)).not.toContain('a test input');
  });

  it('answers 503 and sends nothing decoded or encoded when the audit entry cannot be written', async () => {
    const refusing = testApp(t.stack.database, {
      audit: {
        record: async () => {
          throw unavailable('AUDIT_UNAVAILABLE', 'the audit log cannot be written now, so this is not served');
        },
      },
    });
    const plain = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify({ note: 'x' })) };
    const sealed = (await t.stack.api.post('/codec/encode', u.admin, { payloads: [plain] })).body.payloads;
    for (const [path, payloads] of [
      ['/codec/decode', sealed],
      ['/codec/encode', [plain]],
    ] as const) {
      const res = await refusing.post(path, u.admin, { payloads });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: expect.objectContaining({ code: 'AUDIT_UNAVAILABLE' }) });
    }
  });
});
