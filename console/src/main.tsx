// The console: sign-in, the purpose of the session's reads, then cases, the decision queue,
// transfers, the dashboard, joint investigation teams and their intelligence, and (for auditors)
// the audit log.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { decidesCases, opensCases, readsAudit } from './actions.js';
import { get } from './api.js';
import { COUNTRIES, ROLE_LABELS } from './format.js';
import { AuditPage } from './pages/audit.js';
import { CasePage } from './pages/case.js';
import { CasesPage } from './pages/cases.js';
import { EntityPage, NewEntityPage, NewLinkPage } from './pages/entity.js';
import { NetworkPage } from './pages/network.js';
import { TeamPage, TeamsPage } from './pages/teams.js';
import { NewCasePage } from './pages/new-case.js';
import { DashboardPage } from './pages/dashboard.js';
import { QueuePage } from './pages/queue.js';
import { SignInPage } from './pages/sign-in.js';
import { NewTransferPage, TransferPage, TransfersPage } from './pages/transfers.js';
import { href, navigate, useRoute } from './router.js';
import { session, type Session } from './session.js';
import { onStreamState, startStream, stopStream, STREAM_LABELS, streamState, type StreamState } from './stream.js';
import type { Me } from './types.js';
import { PurposeGate } from './ui.js';

function App() {
  const [current, setCurrent] = useState<Session | null>(session.get());
  const [live, setLive] = useState<StreamState>(streamState());
  const route = useRoute();
  useEffect(() => session.subscribe((s) => setCurrent(s)), []);
  useEffect(() => onStreamState(setLive), []);
  const signedIn = current?.token;
  const purpose = current?.purpose;
  // The stream is a read of personal data too: it opens only once the purpose is given, and
  // reopens with a new one, so every read carries the purpose that was current.
  useEffect(() => {
    if (signedIn && purpose) startStream();
    else stopStream();
  }, [signedIn, purpose]);
  // A session kept in the tab from before may lack what the API now says (its permissions).
  useEffect(() => {
    if (signedIn) get<Me>('/v1/me').then(session.refresh, () => undefined);
  }, [signedIn]);

  if (!current) return <SignInPage />;
  const { me } = current;
  const [page, id, sub, subId] = route.parts;
  const home = decidesCases(me) ? 'queue' : 'cases';
  if (!page) {
    navigate(href(home));
    return null;
  }
  const nav = [
    ['cases', 'Cases'],
    ...(decidesCases(me) ? [['queue', 'Decision queue']] : []),
    ['transfers', 'Transfers'],
    ['dashboard', 'Dashboard'],
    ['teams', 'Teams'],
    ...(readsAudit(me) ? [['audit', 'Audit log']] : []),
  ];
  let body;
  if (page === 'cases' && id === 'new' && opensCases(me)) body = <NewCasePage me={me} />;
  else if (page === 'cases' && id) body = <CasePage caseId={id} me={me} />;
  else if (page === 'cases') body = <CasesPage me={me} params={route.params} />;
  else if (page === 'queue' && decidesCases(me)) body = <QueuePage me={me} />;
  else if (page === 'transfers' && id === 'new') body = <NewTransferPage me={me} params={route.params} />;
  else if (page === 'transfers' && id) body = <TransferPage transferId={id} me={me} key={`${id}/${sub ?? ''}`} />;
  else if (page === 'transfers') body = <TransfersPage me={me} />;
  else if (page === 'dashboard') body = <DashboardPage />;
  else if (page === 'teams' && id && sub === 'entities' && subId === 'new') body = <NewEntityPage teamId={id} me={me} params={route.params} />;
  else if (page === 'teams' && id && sub === 'entities' && subId) body = <EntityPage teamId={id} entityId={subId} me={me} key={subId} />;
  else if (page === 'teams' && id && sub === 'links' && subId === 'new') body = <NewLinkPage teamId={id} me={me} params={route.params} />;
  else if (page === 'teams' && id && sub === 'network') body = <NetworkPage teamId={id} params={route.params} />;
  else if (page === 'teams' && id && !sub) body = <TeamPage teamId={id} me={me} key={id} />;
  else if (page === 'teams' && !id) body = <TeamsPage />;
  else if (page === 'audit' && readsAudit(me)) body = <AuditPage me={me} />;
  else body = <p>There is no such page for your role. <a href={href(home)}>Go to the start page</a>.</p>;

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
      {/* Every page reads personal data or follows the live feed: the purpose comes first. */}
      <main>
        <PurposeGate>{body}</PurposeGate>
      </main>
    </>
  );
}

const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
