// A supervisor's webhook subscriptions on a team (README "#### Webhooks"): their country's
// subscriptions with state, cursor and delivery counts; a new one, whose signing secret is shown
// this once; each one's recent deliveries and failures; rotating the secret (the new one shown once),
// resuming a paused one and ending one after a confirmation.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChangeKind } from '../../../api/intel-policy.js';
import { get, post, request } from '../api.js';
import { country, dateTime } from '../format.js';
import { fieldErrors } from '../intel.js';
import { TextInput } from '../intel-ui.js';
import type { Me, Team } from '../types.js';
import { ColumnHeads, ErrorBox, Loading, Notice, useAction, useLoad } from '../ui.js';

interface Subscription {
  id: string;
  url: string;
  kinds: ChangeKind[] | null;
  state: 'active' | 'paused';
  pausedAt: string | null;
  pausedReason: string | null;
  cursor: number;
  secretRotatedAt: string | null;
  createdAt: string;
  deliveries: { delivered: number; failed: number };
}
interface Delivery {
  id: number;
  eventId: number;
  attempt: number;
  at: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

const KIND_LABELS: Record<ChangeKind, string> = {
  entity: 'Records',
  link: 'Links',
  team: 'Team and members',
  notice: 'Hit notices',
};
const KINDS = Object.keys(KIND_LABELS) as ChangeKind[];
/** While deliveries are shown they are read again this often (the receiver's answers arrive on their own). */
const REFRESH_MS = 2_000;

const kindsWords = (kinds: ChangeKind[] | null) => (kinds ? kinds.map((k) => KIND_LABELS[k]).join(', ') : 'All changes');

export function TeamSubscriptions({ team, me, readOnly }: { team: Team; me: Me; readOnly: boolean }) {
  const path = `/v1/teams/${encodeURIComponent(team.id)}/subscriptions`;
  const list = useLoad(() => get<{ items: Subscription[] }>(path), `subscriptions/${team.id}`);
  // The secret of a subscription just made or rotated: shown until dismissed, never again.
  const [secret, setSecret] = useState<{ id: string; url: string; secret: string; rotated: boolean } | null>(null);
  const shown = (s: Subscription & { secret: string }, rotated: boolean) => {
    setSecret({ id: s.id, url: s.url, secret: s.secret, rotated });
    list.reload();
  };
  return (
    <section class="subscriptions" aria-labelledby="subscriptions-heading">
      <h2 id="subscriptions-heading">Subscriptions of {country(me.country)}</h2>
      <p class="muted small">
        The team's changes that {country(me.country)} may see, sent to your agency's systems as signed POST requests (X-Signature), in order, retried until acknowledged.
      </p>
      {secret && <SecretOnce {...secret} onDone={() => setSecret(null)} />}
      <Loading state={list}>
        {({ items }) =>
          items.length === 0 ? (
            <p class="muted">No subscriptions yet.</p>
          ) : (
            <div class="grid subscription-list">
              {items.map((s) => (
                <SubscriptionCard key={s.id} path={`${path}/${encodeURIComponent(s.id)}`} s={s} readOnly={readOnly} onChange={list.reload} onSecret={(r) => shown(r, true)} />
              ))}
            </div>
          )
        }
      </Loading>
      {!readOnly && <AddSubscription path={path} onAdded={(s) => shown(s, false)} />}
    </section>
  );
}

/** A secret shown this once: focused, selectable, with a copy button and the warning that it will not be shown again. */
function SecretOnce({ id, url, secret, rotated, onDone }: { id: string; url: string; secret: string; rotated: boolean; onDone: () => void }) {
  const box = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  useEffect(() => {
    box.current?.focus();
    box.current?.select();
  }, [secret]);
  const copy = async () => {
    box.current?.select();
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class="card secret-once" role="region" aria-label="Signing secret" data-subscription-id={id}>
      <h3>{rotated ? 'The new signing secret' : 'The subscription is made: its signing secret'}</h3>
      <p>
        For <span class="mono">{url}</span>. Copy it into the receiving system now: it is shown <strong>this once</strong> and cannot be shown again
        {rotated ? '; the old secret no longer verifies deliveries from now on.' : '.'} Receivers check each delivery's X-Signature with it.
      </p>
      <label>
        Signing secret
        <input ref={box} name="secret" class="mono" readOnly value={secret} onFocus={(e) => (e.target as HTMLInputElement).select()} />
      </label>
      {copied === true && <Notice>Copied to the clipboard.</Notice>}
      {copied === false && <Notice>The browser did not allow copying: the secret is selected, press Ctrl+C (⌘C on a Mac).</Notice>}
      <div class="actions">
        <button type="button" onClick={() => void copy()}>
          Copy the secret
        </button>
        <button type="button" class="secondary" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}

const ADD_FIELDS = ['url', 'kinds'] as const;

function AddSubscription({ path, onAdded }: { path: string; onAdded: (s: Subscription & { secret: string }) => void }) {
  const [url, setUrl] = useState('');
  const [kinds, setKinds] = useState<ChangeKind[]>([]);
  const action = useAction(async () => {
    const made = await post<Subscription & { secret: string }>(path, { url: url.trim(), ...(kinds.length ? { kinds } : {}) });
    setUrl('');
    setKinds([]);
    onAdded(made);
  });
  const { byField, rest } = fieldErrors(action.error, ADD_FIELDS);
  return (
    <form class="card action" aria-label="Add a subscription" onSubmit={(e) => (e.preventDefault(), void action.run())}>
      <h3>Add a subscription</h3>
      <TextInput label="Receiver URL (http or https, of your agency)" name="url" type="url" value={url} onChange={setUrl} error={byField.url} required maxLength={2000} placeholder="https://intake.police.example/hooks/jit" />
      <fieldset class="checklist" aria-describedby={byField.kinds ? 'kinds-error' : undefined}>
        <legend>What to send (none ticked: all changes)</legend>
        {KINDS.map((k) => (
          <label class="radio" key={k}>
            <input type="checkbox" name={`kind-${k}`} checked={kinds.includes(k)} onChange={(e) => setKinds((e.target as HTMLInputElement).checked ? [...kinds, k] : kinds.filter((x) => x !== k))} /> {KIND_LABELS[k]}
          </label>
        ))}
        {byField.kinds && (
          <span class="field-error" id="kinds-error" data-field="kinds">
            {byField.kinds}
          </span>
        )}
      </fieldset>
      <ErrorBox error={rest} />
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Subscribe
        </button>
      </div>
    </form>
  );
}

function SubscriptionCard({ path, s, readOnly, onChange, onSecret }: { path: string; s: Subscription; readOnly: boolean; onChange: () => void; onSecret: (r: Subscription & { secret: string }) => void }) {
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const rotate = useAction(async () => onSecret(await post<Subscription & { secret: string }>(`${path}/rotate-secret`)));
  const resume = useAction(async () => (await post(`${path}/resume`), onChange()));
  const remove = useAction(async () => (await request('DELETE', path), onChange()));
  const headingId = `subscription-${s.id}`;
  const busy = rotate.busy || resume.busy || remove.busy;
  return (
    <article class="card subscription" aria-labelledby={headingId} data-subscription-id={s.id} data-state={s.state}>
      <h3 id={headingId} class="mono break">
        {s.url}
      </h3>
      <dl class="facts">
        <dt>State</dt>
        <dd data-testid="subscription-state">
          {s.state === 'active' ? (
            <span class="badge">Active</span>
          ) : (
            <>
              <span class="badge overdue">Paused</span> <span class="small">since {dateTime(s.pausedAt)}{s.pausedReason ? `: ${s.pausedReason}` : ''}</span>
            </>
          )}
        </dd>
        <dt>Sends</dt>
        <dd>{kindsWords(s.kinds)}</dd>
        <dt>Last change delivered</dt>
        <dd data-testid="subscription-cursor">No. {s.cursor}</dd>
        <dt>Deliveries</dt>
        <dd data-testid="subscription-counts">
          {s.deliveries.delivered} acknowledged, {s.deliveries.failed} failed attempts
        </dd>
        <dt>Secret</dt>
        <dd>{s.secretRotatedAt ? `replaced ${dateTime(s.secretRotatedAt)}` : `since ${dateTime(s.createdAt)}`}</dd>
      </dl>
      <ErrorBox error={rotate.error ?? resume.error ?? remove.error} />
      <div class="actions">
        <button type="button" class="secondary" aria-expanded={open} aria-controls={`${headingId}-deliveries`} onClick={() => setOpen(!open)}>
          {open ? 'Hide deliveries' : 'Show deliveries'}
        </button>
        {!readOnly && s.state === 'paused' && (
          <button type="button" disabled={busy} onClick={() => void resume.run()}>
            Resume
          </button>
        )}
        {!readOnly && (
          <button type="button" class="secondary" disabled={busy} onClick={() => void rotate.run()}>
            Rotate the secret
          </button>
        )}
        {!readOnly && !confirming && (
          <button type="button" class="danger secondary" disabled={busy} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
      {confirming && <ConfirmDelete url={s.url} busy={remove.busy} onConfirm={() => void remove.run()} onCancel={() => setConfirming(false)} />}
      {open && <Deliveries id={`${headingId}-deliveries`} path={`${path}/deliveries`} onChange={onChange} />}
    </article>
  );
}

function ConfirmDelete({ url, busy, onConfirm, onCancel }: { url: string; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div role="alertdialog" aria-label="Delete the subscription" class="confirm" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <p>
        Nothing more will be sent to <span class="mono">{url}</span>. Its delivery log is kept. This cannot be undone.
      </p>
      <div class="actions">
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          Delete the subscription
        </button>
        <button type="button" class="secondary" ref={cancel} onClick={onCancel}>
          Keep it
        </button>
      </div>
    </div>
  );
}

/** The latest attempts, newest first, read again every few seconds while shown (with the subscription). */
function Deliveries({ id, path, onChange }: { id: string; path: string; onChange: () => void }) {
  const list = useLoad(() => get<{ items: Delivery[] }>(`${path}?limit=20`), path);
  useEffect(() => {
    // The subscription above too: its counts, cursor and state follow the attempts.
    const timer = setInterval(() => (list.reload(), onChange()), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  return (
    <div id={id} class="deliveries" aria-live="polite">
      <Loading state={list}>
        {({ items }) =>
          items.length === 0 ? (
            <p class="muted small">Nothing sent yet: the next change your country may see is.</p>
          ) : (
            <div class="scroll">
              <table class="deliveries" aria-label="Recent deliveries">
                <ColumnHeads columns={['Change', 'When', 'Attempt', 'Result']} />
                <tbody>
                  {items.map((d) => (
                    <tr key={d.id} data-event-id={d.eventId} data-ok={String(d.ok)}>
                      <td class="mono">No. {d.eventId}</td>
                      <td class="small">{dateTime(d.at)}</td>
                      <td>{d.attempt}</td>
                      <td>
                        {d.ok ? (
                          <span class="badge">Acknowledged ({d.status})</span>
                        ) : (
                          <span class="badge overdue">Failed: {d.error ?? `answer ${d.status}`}</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loading>
    </div>
  );
}
