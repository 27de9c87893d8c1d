// Shared pieces: loading with bounded waits, error boxes, status and deadline markers, live reloads.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { currentDeadline, dateTime, overdueInWords, relative, STATUS_LABELS } from './format.js';
import { session } from './session.js';
import { onCaseEvent } from './stream.js';
import type { CaseStatus, OverdueReason, StreamEvent } from './types.js';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  /** True once a load has taken longer than a few seconds. */
  slow: boolean;
  reload: () => void;
}

/** Loads on mount and whenever `key` changes; a failed reload keeps what was shown. */
export function useLoad<T>(loader: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean; slow: boolean }>({ data: null, error: null, loading: true, slow: false });
  const generation = useRef(0);
  const loaderRef = useRef(loader);
  loaderRef.current = loader;
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true, slow: false }));
    const slowTimer = setTimeout(() => mine === generation.current && setState((s) => ({ ...s, slow: true })), 4000);
    loaderRef
      .current()
      .then((data) => mine === generation.current && setState({ data, error: null, loading: false, slow: false }))
      .catch((error) => mine === generation.current && setState((s) => ({ ...s, error, loading: false, slow: false })))
      .finally(() => clearTimeout(slowTimer));
  }, []);
  useEffect(() => {
    setState({ data: null, error: null, loading: true, slow: false });
    reload();
  }, [key]);
  return { ...state, reload };
}

/** Re-runs `reload` (at most every `delayMs`) when a case change that `matches` arrives. */
export function useLive(matches: (e: StreamEvent) => boolean, reload: () => void, delayMs = 400): void {
  const ref = useRef({ matches, reload });
  ref.current = { matches, reload };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = onCaseEvent((e) => {
      if (!ref.current.matches(e) || timer) return;
      timer = setTimeout(() => {
        timer = null;
        ref.current.reload();
      }, delayMs);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, []);
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <span>{describeError(error)}</span>
      {retry && (
        <button type="button" class="secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <div class="notice" role="status">
      {children}
    </div>
  );
}

/** Loading, slow, failed or loaded: one frame for every view of API data. */
export function Loading<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  return (
    <>
      {state.error ? <ErrorBox error={state.error} retry={state.reload} /> : null}
      {state.loading && state.data === null && <p class="muted">{state.slow ? 'Still waiting for the server…' : 'Loading…'}</p>}
      {state.data !== null && children(state.data)}
    </>
  );
}

/** The status; for a case on hold, where it returns when the hold ends. */
export function StatusBadge({ status, resume }: { status: CaseStatus; resume?: CaseStatus | null }) {
  const returnsTo = status === 'ON_HOLD' && resume ? `returns to ${STATUS_LABELS[resume].toLowerCase()} when the hold ends` : undefined;
  return (
    <span class={`badge status-${status.toLowerCase().replace(/_/g, '-')}`} title={returnsTo}>
      {STATUS_LABELS[status] ?? status}
    </span>
  );
}

export function OverdueMark({ overdue, reasons }: { overdue: boolean; reasons?: readonly OverdueReason[] }) {
  if (!overdue) return null;
  const what = overdueInWords(reasons ?? []);
  return (
    <span class="badge overdue" title={what || 'a deadline passed'}>
      Overdue{what ? `: ${what}` : ''}
    </span>
  );
}

export function DeadlineMark({ c }: { c: Parameters<typeof currentDeadline>[0] }) {
  const due = currentDeadline(c);
  if (!due) return null;
  const past = Date.parse(due.at) < Date.now();
  const soon = !past && Date.parse(due.at) - Date.now() < 24 * 3600_000;
  return (
    <span class={`deadline${past ? ' past' : soon ? ' soon' : ''}`} title={dateTime(due.at)}>
      {due.label} {relative(due.at)}
    </span>
  );
}

export const PURPOSES = [
  'Case processing: identity, decisions and transfer',
  'Supervision and approval of cases',
  'Audit and oversight',
  'Joint investigation: intelligence analysis',
];

/** Personal data is shown only once the user has said why they read it (sent as X-Purpose). */
export function PurposeGate({ children }: { children: ComponentChildren }) {
  const [purpose, setPurpose] = useState(session.get()?.purpose ?? null);
  const [choice, setChoice] = useState(PURPOSES[0]);
  const [other, setOther] = useState('');
  useEffect(() => session.subscribe((s) => setPurpose(s?.purpose ?? null)), []);
  if (purpose) return <>{children}</>;
  const submit = (e: Event) => {
    e.preventDefault();
    const value = choice === 'other' ? other.trim() : choice;
    if (value) session.setPurpose(value);
  };
  return (
    <form class="card purpose" onSubmit={submit} aria-label="Purpose of access">
      <h2>Why are you reading these records?</h2>
      <p>The console shows personal data and follows case changes as they happen. Your purpose is recorded with each read and kept for this session.</p>
      {PURPOSES.map((p) => (
        <label class="radio" key={p}>
          <input type="radio" name="purpose" value={p} checked={choice === p} onChange={() => setChoice(p)} /> {p}
        </label>
      ))}
      <label class="radio">
        <input type="radio" name="purpose" value="other" checked={choice === 'other'} onChange={() => setChoice('other')} /> Another purpose
      </label>
      {choice === 'other' && (
        <label>
          Purpose
          <input value={other} maxLength={200} onInput={(e) => setOther((e.target as HTMLInputElement).value)} required />
        </label>
      )}
      <div class="actions">
        <button type="submit">Continue</button>
      </div>
    </form>
  );
}

/** A button that runs an async action once at a time and shows its error. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (...args: A): Promise<R | undefined> => {
    if (busy) return undefined;
    setBusy(true);
    setError(null);
    try {
      return await action(...args);
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

/** A labelled drop-down; `any` adds a first, empty choice with that text. */
/** A copy of `set` with `id` in it when `on`, without it otherwise (a checkbox list's selection). */
export function toggled(set: ReadonlySet<string>, id: string, on: boolean): Set<string> {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

/** A table's head: one column header per name. */
export function ColumnHeads({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th scope="col" key={column}>
            {column}
          </th>
        ))}
      </tr>
    </thead>
  );
}

export function Select({ label, name, value, options, onChange, any }: { label: string; name: string; value: string; options: [string, string][]; onChange: (value: string) => void; any?: string }) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {any !== undefined && <option value="">{any}</option>}
        {options.map(([v, text]) => (
          <option value={v} key={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The frame of every action form on a case: a title, the fields, its error, submit (and back). */
/**
 * The question asked before an action is sent: focus moves into it (its first field, else its
 * confirming button); Escape or Cancel go back with nothing sent.
 */
export function ConfirmPanel({
  question,
  confirm,
  busy = false,
  disabled = false,
  danger = false,
  onConfirm,
  onCancel,
  children,
}: {
  question: string;
  confirm: string;
  busy?: boolean;
  disabled?: boolean;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ComponentChildren;
}) {
  const panel = useRef<HTMLDivElement>(null);
  // Focus moves in as the panel appears (not a frame later), so an Escape pressed at once reaches it.
  useLayoutEffect(() => panel.current?.querySelector<HTMLElement>('textarea, button')?.focus(), []);
  return (
    <div
      ref={panel}
      class="confirm"
      role="dialog"
      aria-label={question}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.stopPropagation();
        onCancel();
      }}
    >
      <p>
        <strong>{question}</strong>
      </p>
      {children}
      <div class="actions">
        <button type="button" class={danger ? 'danger' : ''} disabled={busy || disabled} onClick={onConfirm}>
          {confirm}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** A button that asks `question` first and runs `action` only once confirmed. */
export function ConfirmButton({
  label,
  question,
  confirm,
  action,
  disabled = false,
}: {
  label: string;
  question: string;
  confirm: string;
  action: { busy: boolean; error: unknown; run: () => unknown };
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <ErrorBox error={action.error} />
      {asking ? (
        <ConfirmPanel
          question={question}
          confirm={confirm}
          busy={action.busy}
          onConfirm={() => void Promise.resolve(action.run()).finally(() => setAsking(false))}
          onCancel={() => setAsking(false)}
        />
      ) : (
        <button type="button" disabled={action.busy || disabled} onClick={() => setAsking(true)}>
          {label}
        </button>
      )}
    </>
  );
}

export function ActionForm({
  label,
  title,
  submit,
  action,
  danger = false,
  disabled = false,
  confirm,
  onBack,
  children,
}: {
  label: string;
  title?: string;
  submit: string;
  /** What submitting runs (useAction): its busy state and its error show here. */
  action: { busy: boolean; error: unknown; run: () => unknown };
  danger?: boolean;
  disabled?: boolean;
  /** A question to confirm before submitting (its answer's button says `submit`). */
  confirm?: string | null;
  onBack?: () => void;
  children?: ComponentChildren;
}) {
  const { busy, error } = action;
  const [asking, setAsking] = useState(false);
  const onSubmit = () => (confirm && !asking ? setAsking(true) : void Promise.resolve(action.run()).finally(() => setAsking(false)));
  return (
    <form class="card action" aria-label={label} onSubmit={(e) => (e.preventDefault(), onSubmit())}>
      <h3>{title ?? label}</h3>
      {children}
      <ErrorBox error={error} />
      {asking && confirm ? (
        <ConfirmPanel question={confirm} confirm={`Confirm: ${submit.toLowerCase()}`} busy={busy} danger={danger} onConfirm={onSubmit} onCancel={() => setAsking(false)} />
      ) : (
        <div class="actions">
          <button type="submit" class={danger ? 'danger' : ''} disabled={busy || disabled}>
            {confirm ? `${submit}…` : submit}
          </button>
          {onBack && (
            <button type="button" class="secondary" onClick={onBack}>
              Back
            </button>
          )}
        </div>
      )}
    </form>
  );
}

/** A button that opens a form; the form gets `close` to fold itself up again. */
export function Expandable({ label, danger = false, children }: { label: string; danger?: boolean; children: (close: () => void) => ComponentChildren }) {
  const [open, setOpen] = useState(false);
  if (open) return <>{children(() => setOpen(false))}</>;
  return (
    <button type="button" class={danger ? 'danger secondary' : 'secondary'} onClick={() => setOpen(true)}>
      {label}
    </button>
  );
}

/** A labelled text input or text area that reports its text. */
export function TextField({
  label,
  name,
  value,
  onChange,
  rows,
  required = false,
  maxLength = 4000,
  type = 'text',
  placeholder,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  rows?: number;
  required?: boolean;
  maxLength?: number;
  type?: 'text' | 'datetime-local';
  placeholder?: string;
}) {
  const onInput = (e: Event) => onChange((e.target as HTMLInputElement | HTMLTextAreaElement).value);
  return (
    <label>
      {label}
      {rows ? (
        <textarea name={name} rows={rows} value={value} required={required} maxLength={maxLength} placeholder={placeholder} onInput={onInput} />
      ) : type === 'datetime-local' ? (
        <input name={name} type="datetime-local" value={value} required={required} onInput={onInput} />
      ) : (
        <input name={name} type="text" value={value} required={required} maxLength={maxLength} placeholder={placeholder} onInput={onInput} />
      )}
    </label>
  );
}

/** Cursor paging: the cursors of the pages before this one, and the next page's cursor. */
export function Pager({ cursors, setCursors, next, labels = ['Previous page', 'Next page'] }: { cursors: string[]; setCursors: (c: string[]) => void; next: string | null; labels?: [string, string] }) {
  return (
    <div class="pager">
      <button type="button" class="secondary" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
        {labels[0]}
      </button>
      <span class="muted">Page {cursors.length + 1}</span>
      <button type="button" class="secondary" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
        {labels[1]}
      </button>
    </div>
  );
}
