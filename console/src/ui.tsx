// Shared pieces: loading with bounded waits, error boxes, status and deadline markers, live reloads.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { currentDeadline, dateTime, relative, STATUS_LABELS } from './format.js';
import { session } from './session.js';
import { onCaseEvent } from './stream.js';
import type { CaseStatus, StreamEvent } from './types.js';

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

export function StatusBadge({ status }: { status: CaseStatus }) {
  return <span class={`badge status-${status.toLowerCase().replace(/_/g, '-')}`}>{STATUS_LABELS[status] ?? status}</span>;
}

export function OverdueMark({ overdue, reasons }: { overdue: boolean; reasons?: string[] }) {
  const what = (reasons ?? []).map((r) => r.replace('_', ' ')).join(', ');
  return overdue ? <span class="badge overdue" title={what ? `overdue: ${what}` : 'a deadline passed'}>Overdue{what ? `: ${what}` : ''}</span> : null;
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
      <p>This view shows personal data. Your purpose is recorded with each read and kept for this session.</p>
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
