// Every call to the API: the bearer token and X-Purpose on each request, a bound on waiting, and
// failures turned into words a person understands.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const GET_TIMEOUT_MS = 20_000;
const POST_TIMEOUT_MS = 120_000;

/** Headers carry Latin-1 only: anything else in the purpose is percent-encoded. */
export const headerSafe = (value: string) => value.replace(/[^\x20-\x7e]/g, (c) => encodeURIComponent(c));

export function authHeaders(): Record<string, string> {
  const s = session.get();
  const headers: Record<string, string> = {};
  if (s) headers.Authorization = `Bearer ${s.token}`;
  if (s?.purpose) headers['X-Purpose'] = headerSafe(s.purpose);
  return headers;
}

export async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown, options: { auth?: boolean } = {}): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), method === 'GET' ? GET_TIMEOUT_MS : POST_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(options.auth === false ? {} : authHeaders()) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
    });
  } catch {
    throw abort.signal.aborted
      ? new ApiError(0, 'TIMEOUT', 'The server did not answer in time. It may be busy: try again in a moment.')
      : new ApiError(0, 'NETWORK', 'The server cannot be reached. Check the network connection and try again.');
  } finally {
    clearTimeout(timer);
  }
  let payload: unknown = null;
  const text = await res.text().catch(() => '');
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = null;
  }
  if (res.ok) return payload as T;
  const error = (payload as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  const retryAfter = Number(res.headers.get('retry-after')) || undefined;
  const failure = new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? res.statusText, error?.details, retryAfter);
  if (res.status === 401 && options.auth !== false) session.signOut('Your sign-in has expired or is no longer valid. Please sign in again.');
  throw failure;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body);

export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length ? '?' + new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString() : '';
}

/** What went wrong, in words for the person at the screen. */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong in the console. Reload the page and try again.';
  const said = err.message ? ` (${err.message.replace(/\.$/, '')})` : '';
  switch (err.status) {
    case 0:
      return err.message;
    case 400: {
      const issues = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
      const list = issues?.length ? ': ' + issues.map((i) => `${i.path.replace(/^(body|query|path)\.?/, '') || 'input'} — ${i.message}`).join('; ') : said;
      return `Some of the information is not valid${list}. Please correct it and try again.`;
    }
    case 401:
      return 'Your sign-in has expired or is not valid. Please sign in again.';
    case 403:
      return `You are not allowed to do this${said}.`;
    case 404:
      return 'Not found: it does not exist, or it is not shared with your country.';
    case 409:
      return `This cannot be done at this stage of the case${said}. Reload to see its current state.`;
    case 413:
      return 'Too much at once: select fewer cases and try again.';
    case 429:
      return 'Too many requests in a short time. Wait a moment and try again.';
    case 503:
      return `The service is temporarily unavailable${err.code === 'DATABASE_UNAVAILABLE' ? ' (the case store cannot be reached)' : err.code === 'TEMPORAL_UNAVAILABLE' ? ' (the process engine cannot be reached)' : ''}. Nothing was lost: try again${err.retryAfter ? ` in ${err.retryAfter} seconds` : ' shortly'}.`;
    default:
      return `The server could not complete this (error ${err.status}). Try again; if it persists, tell the system administrator.`;
  }
}

const ITEM_STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  CONFLICT: 409,
  WRONG_STAGE: 409,
  CASE_CLOSED: 409,
  REFUSED: 409,
  TRANSFER_CLOSED: 409,
  TEMPORAL_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
};

/** Words for the error of one item of a bulk answer (per-case results). */
export function describeItemError(error: { code: string; message: string } | undefined): string {
  if (!error) return 'not done';
  return describeError(new ApiError(ITEM_STATUS[error.code] ?? 400, error.code, error.message));
}
