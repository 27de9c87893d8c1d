import { useEffect, useState } from 'preact/hooks';
import { ApiError, describeError, request } from '../api.js';
import { COUNTRIES, COUNTRY_CODES, ROLE_LABELS } from '../format.js';
import { session, tokenExpired } from '../session.js';
import type { Me, Role } from '../types.js';
import { ErrorBox, Notice, Select, useAction } from '../ui.js';

interface DevUser {
  sub: string;
  name: string;
  role: Role;
  country: string;
}

async function signInWith(token: string): Promise<void> {
  const res = await fetch('/v1/me', { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }).catch(() => null);
  if (!res) throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check the network connection and try again.');
  if (res.status === 401) throw new ApiError(401, 'UNAUTHORIZED', 'this token is not accepted: it is invalid, expired, or from another system');
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  session.signIn(token, (await res.json()) as Me);
}

export function SignInPage() {
  const [token, setToken] = useState('');
  const [devUsers, setDevUsers] = useState<DevUser[] | null>(null);
  const [role, setRole] = useState<Role>('officer');
  const [country, setCountry] = useState('KH');
  const [sub, setSub] = useState('');
  const action = useAction(async (t: string) => {
    if (tokenExpired(t)) throw new ApiError(401, 'EXPIRED', 'this token has expired');
    await signInWith(t);
  });
  const dev = useAction(async (claims: { role: Role; country: string; sub?: string }) => {
    const { token } = await request<{ token: string }>('POST', '/v1/dev/tokens', claims, { auth: false });
    await signInWith(token);
  });
  useEffect(() => {
    // Offered only by a system running on its development secret; elsewhere the route is absent.
    request<{ items: DevUser[] }>('GET', '/v1/dev/users', undefined, { auth: false })
      .then((r) => setDevUsers(r.items))
      .catch(() => setDevUsers(null));
  }, []);
  const notice = session.notice();
  const tokenError = action.error instanceof ApiError && action.error.status === 401 ? `This token is not accepted (${action.error.message}).` : action.error ? describeError(action.error) : null;

  return (
    <main class="sign-in">
      <h1>Repatriation cases</h1>
      {notice && <Notice>{notice}</Notice>}
      <form
        class="card"
        aria-label="Sign in with a token"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(token.trim());
        }}
      >
        <h2>Sign in</h2>
        <label>
          Access token
          <textarea name="token" rows={4} value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} placeholder="Paste the token your agency issued" required />
        </label>
        {tokenError && (
          <div class="error" role="alert">
            {tokenError}
          </div>
        )}
        <div class="actions">
          <button type="submit" disabled={action.busy}>
            {action.busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>

      {devUsers && (
        <section class="card dev" aria-label="Development sign-in">
          <h2>Development sign-in</h2>
          <p class="muted">This system runs on its development secret; these sample users are offered on this machine only.</p>
          <div class="dev-users">
            {devUsers.map((u) => (
              <button type="button" class="secondary" key={u.sub} disabled={dev.busy} onClick={() => void dev.run({ role: u.role, country: u.country, sub: u.sub })}>
                {u.name} — {ROLE_LABELS[u.role]}, {COUNTRIES[u.country] ?? u.country}
              </button>
            ))}
          </div>
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              void dev.run({ role, country, ...(sub.trim() ? { sub: sub.trim() } : {}) });
            }}
          >
            <Select label="Role" name="dev-role" value={role} options={Object.entries(ROLE_LABELS)} onChange={(v) => setRole(v as Role)} />
            <Select label="Country" name="dev-country" value={country} options={COUNTRY_CODES.map((c) => [c, COUNTRIES[c]])} onChange={setCountry} />
            <label>
              User id (optional)
              <input name="dev-sub" value={sub} onInput={(e) => setSub((e.target as HTMLInputElement).value)} placeholder="e.g. kh-officer-2" />
            </label>
            <button type="submit" disabled={dev.busy}>
              Sign in as this user
            </button>
          </form>
          <ErrorBox error={dev.error} />
        </section>
      )}
    </main>
  );
}
