// The console: sign-in, then cases, the decision queue, transfers and the dashboard.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { COUNTRIES, ROLE_LABELS } from './format.js';
import { CasePage } from './pages/case.js';
import { CasesPage } from './pages/cases.js';
import { NewCasePage } from './pages/new-case.js';
import { DashboardPage } from './pages/dashboard.js';
import { QueuePage } from './pages/queue.js';
import { SignInPage } from './pages/sign-in.js';
import { NewTransferPage, TransferPage, TransfersPage } from './pages/transfers.js';
import { href, navigate, useRoute } from './router.js';
import { session, type Session } from './session.js';
import { onStreamState, startStream, stopStream, streamState, type StreamState } from './stream.js';
import { PurposeGate } from './ui.js';

const STREAM_LABELS: Record<StreamState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', stopped: 'Offline' };

function App() {
  const [current, setCurrent] = useState<Session | null>(session.get());
  const [live, setLive] = useState<StreamState>(streamState());
  const route = useRoute();
  useEffect(() => session.subscribe((s) => setCurrent(s)), []);
  useEffect(() => onStreamState(setLive), []);
  const signedIn = current?.token;
  useEffect(() => {
    if (signedIn) startStream();
    else stopStream();
  }, [signedIn]);

  if (!current) return <SignInPage />;
  const { me } = current;
  const [page, id, sub] = route.parts;
  const home = me.role === 'supervisor' ? 'queue' : 'cases';
  if (!page) {
    navigate(href(home));
    return null;
  }
  const nav = [
    ['cases', 'Cases'],
    ...(me.role === 'supervisor' ? [['queue', 'Decision queue']] : []),
    ['transfers', 'Transfers'],
    ['dashboard', 'Dashboard'],
  ];
  let body;
  if (page === 'cases' && id === 'new') body = <NewCasePage me={me} />;
  else if (page === 'cases' && id) body = <PurposeGate><CasePage caseId={id} me={me} /></PurposeGate>;
  else if (page === 'cases') body = <PurposeGate><CasesPage me={me} params={route.params} /></PurposeGate>;
  else if (page === 'queue') body = <PurposeGate><QueuePage me={me} /></PurposeGate>;
  else if (page === 'transfers' && id === 'new') body = <PurposeGate><NewTransferPage me={me} params={route.params} /></PurposeGate>;
  else if (page === 'transfers' && id) body = <PurposeGate><TransferPage transferId={id} me={me} key={`${id}/${sub ?? ''}`} /></PurposeGate>;
  else if (page === 'transfers') body = <TransfersPage me={me} />;
  else if (page === 'dashboard') body = <DashboardPage />;
  else body = <p>There is no such page. <a href={href(home)}>Go to the start page</a>.</p>;

  return (
    <>
      <header class="top">
        <strong class="brand">Repatriation cases</strong>
        <nav>
          {nav.map(([to, label]) => (
            <a key={to} href={href(to)} class={page === to ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span class={`live ${live}`} data-stream={live} title="Case changes arrive as they happen">{STREAM_LABELS[live]}</span>
          <span data-testid="signed-in-as">
            {me.name ?? me.sub} · {ROLE_LABELS[me.role]} · {COUNTRIES[me.country] ?? me.country}
          </span>
          {current.purpose && (
            <button type="button" class="link" title={`Purpose: ${current.purpose}`} onClick={() => session.setPurpose(null)}>
              Change purpose
            </button>
          )}
          <button type="button" class="secondary" onClick={() => session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main>{body}</main>
    </>
  );
}

const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
