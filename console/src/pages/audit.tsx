// The audit log for auditors and admins: every read of personal data and every change in the
// user's scope, newest first, and a check of the whole hash chain, said in words.
import { useState } from 'preact/hooks';
import { verifiesAudit } from '../actions.js';
import { get, query } from '../api.js';
import { country, dateTime } from '../format.js';
import { href } from '../router.js';
import type { AuditEntry, AuditPage as AuditList, Me, Verification } from '../types.js';
import { ErrorBox, Loading, Pager, TextField, useAction, useLoad } from '../ui.js';

const PAGE_SIZE = 50;

const TAMPERING: Record<string, string> = {
  altered: 'an entry was changed after it was sealed',
  removed: 'an entry was removed',
  inserted: 'an entry was inserted into the chain',
  reordered: 'entries were put in another order',
  truncated: 'the newest entries were cut off',
  'head-signature': 'the signed head of the chain is not genuine',
};

/** The result of GET /v1/audit/verify in words. */
export function verificationInWords(v: Verification): string {
  const pending = v.unsealed > 0 ? ` ${v.unsealed} newer ${v.unsealed === 1 ? 'entry is' : 'entries are'} not sealed yet.` : '';
  if (v.ok && 'scope' in v) {
    return `The audit log is intact: all ${v.entries} sealed entries verify (the entries in your scope, ${v.scope}, checked within the whole chain).${pending}`;
  }
  if (v.ok) return `The audit log is intact: all ${v.entries} sealed entries verify, up to entry #${v.head.seq}.${pending}`;
  const where = v.firstInvalidSeq === undefined ? '' : `, first at entry #${v.firstInvalidSeq}`;
  return `The audit log has been tampered with: ${TAMPERING[v.reason] ?? v.reason}${where} (${v.message}).${pending}`;
}

function ObjectCell({ e }: { e: AuditEntry }) {
  if (e.objectIds.length === 0) return <span class="muted">{e.objectType ?? '—'}</span>;
  const shown = e.objectIds.slice(0, 3);
  return (
    <span>
      {e.objectType ?? ''}{' '}
      {shown.map((id, i) => (
        <span key={id}>
          {i > 0 && ', '}
          {e.objectType === 'case' ? (
            <a class="mono" href={href(`cases/${id}`)} title={id}>
              {id.slice(0, 8)}
            </a>
          ) : (
            <span class="mono" title={id}>
              {id.length > 12 ? id.slice(0, 8) : id}
            </span>
          )}
        </span>
      ))}
      {e.objectIds.length > shown.length && <span class="muted"> and {e.objectIds.length - shown.length} more</span>}
    </span>
  );
}

export function AuditPage({ me }: { me: Me }) {
  const [draft, setDraft] = useState({ objectId: '', actor: '', action: '' });
  const [filters, setFilters] = useState(draft);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const page = useLoad(() => get<AuditList>(`/v1/audit${query({ ...filters, limit: PAGE_SIZE, cursor })}`), JSON.stringify([filters, cursor]));
  const [result, setResult] = useState<Verification | null>(null);
  const verify = useAction(async () => {
    setResult(await get<Verification>('/v1/audit/verify'));
    // Verifying seals the newest entries: show their places in the chain.
    page.reload();
  });
  const field = (name: keyof typeof draft, label: string) => <TextField label={label} name={`audit-${name}`} maxLength={200} value={draft[name]} onChange={(v) => setDraft({ ...draft, [name]: v })} />;

  return (
    <section>
      <h1>Audit log</h1>
      <p class="muted">Reads of personal data and changes in the scope of {me.role === 'admin' ? 'all countries' : country(me.country)}, newest first. Your reading of this log is itself recorded.</p>
      {verifiesAudit(me) && (
        <div class="card action" aria-label="Verify the audit log" role="region">
          <h3>Integrity</h3>
          <p class="muted">Seals the newest entries and recomputes the whole hash chain; names the first entry altered, removed, inserted or reordered.</p>
          <ErrorBox error={verify.error} />
          {result && (
            <div class={result.ok ? 'notice' : 'error'} role={result.ok ? 'status' : 'alert'} data-testid="audit-verification">
              {verificationInWords(result)}
            </div>
          )}
          <button type="button" disabled={verify.busy} onClick={() => void verify.run()}>
            {verify.busy ? 'Verifying…' : 'Verify the audit log'}
          </button>
        </div>
      )}
      <form
        class="filters"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([]);
          setFilters({ objectId: draft.objectId.trim(), actor: draft.actor.trim(), action: draft.action.trim() });
        }}
      >
        {field('objectId', 'Object (case id, transfer id)')}
        {field('actor', 'User')}
        {field('action', 'Action (e.g. case.read)')}
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      <Loading state={page}>
        {(data) => (
          <>
            {data.items.length === 0 ? (
              <p class="muted">No entries match.</p>
            ) : (
              <table class="audit">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>When</th>
                    <th>Who</th>
                    <th>Action</th>
                    <th>On</th>
                    <th>Outcome</th>
                    <th>Purpose</th>
                    <th>Disclosed to</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((e) => (
                    <tr key={e.id} data-audit-id={e.id}>
                      <td class="mono">{e.seq ?? <span class="muted" title="sealed into the chain within a second or so">unsealed</span>}</td>
                      <td>{dateTime(e.at)}</td>
                      <td>{e.actor ? `${e.actor.sub} (${[e.actor.role, e.actor.country].filter(Boolean).join(', ')})` : <span class="muted">unauthenticated</span>}</td>
                      <td class="mono">{e.action}</td>
                      <td>
                        <ObjectCell e={e} />
                      </td>
                      <td class={e.outcome === 'ok' ? '' : 'bad'}>{e.outcome}</td>
                      <td>{e.purpose ?? <span class="muted">—</span>}</td>
                      <td>{e.recipientCountry ? country(e.recipientCountry) : <span class="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <Pager cursors={cursors} setCursors={setCursors} next={data.nextCursor} labels={['Newer entries', 'Older entries']} />
          </>
        )}
      </Loading>
    </section>
  );
}
