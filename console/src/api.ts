// Every call to the API: the bearer token and X-Purpose on each request, a bound on waiting, and
// failures turned into words a person understands.
import { STATUS_LABELS } from './format.js';
import { session } from './session.js';
import type { CaseStatus } from './types.js';

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

/** A fetch bounded in time, with the session's headers; network failures in words. */
async function send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, headers: Record<string, string>, body?: string): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), method === 'GET' ? GET_TIMEOUT_MS : POST_TIMEOUT_MS);
  try {
    return await fetch(path, { method, headers, body, signal: abort.signal });
  } catch {
    throw abort.signal.aborted
      ? new ApiError(0, 'TIMEOUT', 'The server did not answer in time. It may be busy: try again in a moment.')
      : new ApiError(0, 'NETWORK', 'The server cannot be reached. Check the network connection and try again.');
  } finally {
    clearTimeout(timer);
  }
}

/** The API's error answer as an ApiError; a 401 ends the session. */
function failure(res: Response, payload: unknown, signOutOn401: boolean): ApiError {
  const error = (payload as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  const retryAfter = Number(res.headers.get('retry-after')) || undefined;
  if (res.status === 401 && signOutOn401) session.signOut('Your sign-in has expired or is no longer valid. Please sign in again.');
  return new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? res.statusText, error?.details, retryAfter);
}

const parseJson = (text: string): unknown => {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
};

export async function request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, options: { auth?: boolean } = {}): Promise<T> {
  const headers = { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(options.auth === false ? {} : authHeaders()) };
  const res = await send(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
  const payload = parseJson(await res.text().catch(() => ''));
  if (res.ok) return payload as T;
  throw failure(res, payload, options.auth !== false);
}

/**
 * Fetches a file with the session's token and purpose (a plain link cannot send them) and offers
 * it to the user under the name the server gives, or `fallbackName`.
 */
export async function download(path: string, accept: string, fallbackName: string): Promise<string> {
  const res = await send('GET', path, { Accept: accept, ...authHeaders() });
  if (!res.ok) throw failure(res, parseJson(await res.text().catch(() => '')), true);
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);

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

/** Outcomes of one item that are no one's mistake: what happened, in words. */
const ITEM_WORDS: Record<string, (message: string) => string> = {
  DROPPED_FROM_TRANSFER: (message) => {
    const status = /the case is ([A-Z_]+)/.exec(message)?.[1] as CaseStatus | undefined;
    return `did not board: the case is ${status && STATUS_LABELS[status] ? STATUS_LABELS[status].toLowerCase() : 'no longer cleared to travel'}`;
  },
  CAPACITY_EXCEEDED: () => 'the transfer is full',
  NOT_ON_TRANSFER: () => 'did not depart on this transfer',
};

/** Words for the error of one item of a bulk answer (per-case results). */
export function describeItemError(error: { code: string; message: string } | undefined): string {
  if (!error) return 'not done';
  const words = ITEM_WORDS[error.code];
  return words ? words(error.message) : describeError(new ApiError(ITEM_STATUS[error.code] ?? 400, error.code, error.message));
}
