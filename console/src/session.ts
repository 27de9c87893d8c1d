// The signed-in user, their token and the purpose of their reads, kept for this browser tab only.
import type { Me } from './types.js';

export interface Session {
  token: string;
  me: Me;
  /** The justification sent as X-Purpose with every request; asked for before personal data. */
  purpose: string | null;
}

const KEY = 'repatriation-console-session';
type Listener = (session: Session | null, notice: string | null) => void;
const listeners = new Set<Listener>();

let current: Session | null = load();
let notice: string | null = null;

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const parsed = raw ? (JSON.parse(raw) as Session) : null;
    return parsed && !tokenExpired(parsed.token) ? parsed : null;
  } catch {
    return null;
  }
}

function save(): void {
  if (current) sessionStorage.setItem(KEY, JSON.stringify(current));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener(current, notice);
}

/** Seconds-since-epoch expiry of a JWT, read without verifying it (the API verifies). */
export function tokenExpiry(token: string): number | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : null;
  } catch {
    return null;
  }
}

export function tokenExpired(token: string): boolean {
  const exp = tokenExpiry(token);
  return exp !== null && exp * 1000 <= Date.now();
}

export const session = {
  get: () => current,
  notice: () => notice,
  signIn(token: string, me: Me): void {
    notice = null;
    current = { token, me, purpose: null };
    save();
  },
  signOut(reason: string | null = null): void {
    notice = reason;
    current = null;
    save();
  },
  /** Who the API now says the user is (role, country, permissions), for a session kept from before. */
  refresh(me: Me): void {
    if (!current) return;
    current = { ...current, me };
    save();
  },
  setPurpose(purpose: string | null): void {
    if (!current) return;
    current = { ...current, purpose };
    save();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
