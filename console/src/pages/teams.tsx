// Joint investigation teams: the caller's teams, and one team with its members by country, its
// operations, its validity, a supervisor's form to add members of their own country, and a search
// of the team's records; to its country's members, the inbox of hits on their records, where a
// supervisor releases a record to the country that searched for it.
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { country, dateTime } from '../format.js';
import { ENTITY_KIND_LABELS, ENTITY_KINDS, entityName, fieldErrors, TEAM_ROLES, teamRole, type EntityKind } from '../intel.js';
import { Choice, EvaluationBadge, HandlingBadge, isMember, TextInput, teamReadOnly, useEntitySearch, useTeam } from '../intel-ui.js';
import { href } from '../router.js';
import type { HitNotice, HitNoticeList, Me, ReleasedNotice, Team } from '../types.js';
import { ColumnHeads, ErrorBox, Loading, Notice, Select, useAction, useLoad } from '../ui.js';
import { useOperations } from './cases.js';
import { TeamStix } from './team-stix.js';
import { TeamSubscriptions } from './team-subscriptions.js';
import { TeamLive } from './team-live.js';

const validity = (team: Team) => `${team.validFrom.slice(0, 10)} to ${team.validUntil.slice(0, 10)}`;

export function ReadOnlyBadge({ team }: { team: Team }) {
  return teamReadOnly(team) ? (
    <span class="badge read-only" title={`The team's agreement ended on ${team.validUntil.slice(0, 10)}`}>
      Read-only: expired
    </span>
  ) : null;
}

export function TeamsPage() {
  const teams = useLoad(() => get<{ items: Team[] }>('/v1/teams').then((r) => r.items), 'teams');
  return (
    <section>
      <h1>Joint investigation teams</h1>
      <Loading state={teams}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">You are not a member of any joint investigation team.</p>
          ) : (
            <table class="teams">
              <ColumnHeads columns={['Team', 'Countries', 'Agreement', 'Valid']} />
              <tbody>
                {items.map((t) => (
                  <tr key={t.id} data-team-id={t.id}>
                    <td>
                      <a href={href(`teams/${t.id}`)}>{t.name}</a> <ReadOnlyBadge team={t} />
                    </td>
                    <td>
                      {t.memberCountries.join(', ')} <span class="muted small">(lead {t.leadCountry})</span>
                    </td>
                    <td class="mono">{t.agreementRef}</td>
                    <td>{validity(t)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
    </section>
  );
}

export function TeamPage({ teamId, me }: { teamId: string; me: Me }) {
  const team = useTeam(teamId);
  const operations = useOperations();
  return (
    <Loading state={team}>
      {(t) => {
        const readOnly = teamReadOnly(t);
        const member = isMember(t, me);
        const opName = (id: string) => operations.data?.find((o) => o.id === id)?.name ?? id;
        return (
          <section class="team" data-team-id={t.id}>
            <div class="toolbar">
              <h1>
                {t.name} <ReadOnlyBadge team={t} />
              </h1>
              {member && !readOnly && (
                <>
                  <a class="button" href={href(`teams/${t.id}/entities/new`)}>
                    Add a record
                  </a>
                  <a class="button secondary-link" href={href(`teams/${t.id}/links/new`)}>
                    Add a link
                  </a>
                </>
              )}
            </div>
            <dl class="facts">
              <dt>Agreement</dt>
              <dd class="mono">{t.agreementRef}</dd>
              <dt>Valid</dt>
              <dd>{validity(t)}</dd>
              <dt>Lead</dt>
              <dd>{country(t.leadCountry)}</dd>
              {t.counts && (
                <>
                  <dt>Records you may see</dt>
                  <dd data-testid="team-counts">
                    {t.counts.entities} records, {t.counts.links} links
                  </dd>
                </>
              )}
              <dt>Operations</dt>
              <dd data-testid="team-operations">{(t.operationIds ?? []).length ? (t.operationIds ?? []).map(opName).join(', ') : 'none'}</dd>
            </dl>
            {readOnly && <Notice>The team's agreement has ended: its records can be read, not changed.</Notice>}
            <h2>Members</h2>
            <div class="grid members">
              {t.memberCountries.map((c) => {
                const people = (t.members ?? []).filter((m) => m.country === c);
                return (
                  <article class="card" key={c} data-country={c} aria-label={`Members from ${country(c)}`}>
                    <h3>{country(c)}</h3>
                    {people.length === 0 ? (
                      <p class="muted small">No members named yet.</p>
                    ) : (
                      <ul class="plain">
                        {people.map((m) => (
                          <li key={m.sub} data-sub={m.sub}>
                            {m.name} <span class="badge">{teamRole(m.role)}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </article>
                );
              })}
            </div>
            {me.role === 'supervisor' && t.memberCountries.includes(me.country) && !readOnly && <AddMember team={t} me={me} onAdded={team.reload} />}
            {member && <HitInbox team={t} me={me} readOnly={readOnly} />}
            {member && me.role === 'supervisor' && <TeamSubscriptions team={t} me={me} readOnly={readOnly} />}
            <TeamLive team={t} />
            <Records team={t} />
            <TeamStix team={t} me={me} member={member} readOnly={readOnly} />
          </section>
        );
      }}
    </Loading>
  );
}

const MEMBER_FIELDS = ['sub', 'name', 'role', 'country'] as const;

function AddMember({ team, me, onAdded }: { team: Team; me: Me; onAdded: () => void }) {
  const blank = { sub: '', name: '', role: 'investigator' };
  const [f, setF] = useState(blank);
  const [added, setAdded] = useState<string | null>(null);
  const action = useAction(async () => {
    await post(`/v1/teams/${encodeURIComponent(team.id)}/members`, { sub: f.sub.trim(), name: f.name.trim(), country: me.country, role: f.role });
    setAdded(f.name.trim());
    setF(blank);
    onAdded();
  });
  const { byField, rest } = fieldErrors(action.error, MEMBER_FIELDS);
  return (
    <form class="card action" aria-label="Add a member" onSubmit={(e) => (e.preventDefault(), setAdded(null), void action.run())}>
      <h3>Add a member from {country(me.country)}</h3>
      <div class="row">
        <TextInput label="User id (as in their sign-in)" name="sub" value={f.sub} onChange={(sub) => setF({ ...f, sub })} error={byField.sub} required maxLength={200} />
        <TextInput label="Name" name="name" value={f.name} onChange={(name) => setF({ ...f, name })} error={byField.name} required maxLength={200} />
        <Choice label="Role in the team" name="role" value={f.role} options={TEAM_ROLES} onChange={(role) => setF({ ...f, role })} error={byField.role} />
      </div>
      {byField.country && <p class="field-error">{byField.country}</p>}
      <ErrorBox error={rest} />
      {added && <Notice>{added} is now a member of the team.</Notice>}
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Add the member
        </button>
      </div>
    </form>
  );
}

const IDENTIFIER_WORDS: Record<string, string> = { phone: 'phone', account: 'account number', wallet: 'wallet address', document: 'document number' };
const HOW_WORDS = { search: 'searched for', record: 'recorded' } as const;

/** The hits on the caller's country's records: who searched or recorded what kind of identifier, and the release. */
function HitInbox({ team, me, readOnly }: { team: Team; me: Me; readOnly: boolean }) {
  const path = `/v1/teams/${encodeURIComponent(team.id)}/notices`;
  const notices = useLoad(() => get<HitNoticeList>(path), `notices/${team.id}`);
  const [released, setReleased] = useState<string | null>(null);
  const release = useAction(async (n: HitNotice) => {
    await post<ReleasedNotice>(`${path}/${encodeURIComponent(n.id)}/release`, {});
    setReleased(`${n.record ? entityName(n.record) : n.entityId} is released to ${country(n.searcherCountry)}.`);
    notices.reload();
  });
  const mayRelease = me.role === 'supervisor' && !readOnly;
  return (
    <section aria-label="Hits on your records">
      <h2>Hits on {country(me.country)}'s records</h2>
      <ErrorBox error={release.error} />
      {released && <Notice>{released}</Notice>}
      <Loading state={notices}>
        {({ items }) =>
          items.length === 0 ? (
            <p class="muted">No partner country's search or record has matched your country's hidden records.</p>
          ) : (
            <table class="notices">
              <ColumnHeads columns={['When', 'Record', 'Hit', 'Shared']} />
              <tbody>
                {items.map((n) => (
                  <tr key={n.id} data-notice-id={n.id} data-entity-id={n.entityId}>
                    <td class="small">{dateTime(n.at)}</td>
                    <td>{n.record ? <a href={href(`teams/${team.id}/entities/${n.entityId}`)}>{entityName(n.record)}</a> : <span class="muted">no longer held</span>}</td>
                    <td>{`${country(n.searcherCountry)} ${HOW_WORDS[n.how]} its ${n.identifierKinds.map((k) => IDENTIFIER_WORDS[k] ?? k).join(', ')}`}</td>
                    <td>
                      {n.released ? (
                        <span class="badge" data-testid="released">
                          {country(n.searcherCountry)} sees it
                        </span>
                      ) : mayRelease && n.record ? (
                        <button type="button" disabled={release.busy} onClick={() => void release.run(n)}>
                          Release to {country(n.searcherCountry)}
                        </button>
                      ) : (
                        <span class="muted small">not shared</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
    </section>
  );
}

function Records({ team }: { team: Team }) {
  const [q, setQ] = useState('');
  const [kind, setKind] = useState('');
  const found = useEntitySearch(team.id, q, kind);
  return (
    <>
      <h2>Records</h2>
      <form class="filters" role="search" aria-label="Search the team's records" onSubmit={(e) => e.preventDefault()}>
        <label>
          Name, number or address
          <input type="search" name="q" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        </label>
        <Select label="Kind" name="kind" value={kind} any="Any" options={ENTITY_KINDS.map((k) => [k, ENTITY_KIND_LABELS[k]])} onChange={setKind} />
      </form>
      <Loading state={found}>
        {({ items, partnerMatch }) =>
          items.length === 0 ? (
            partnerMatch ? (
              <Notice>A partner country holds a record with this number. Its originator has been told and decides whether to share it.</Notice>
            ) : (
              <p class="muted">No record matches.</p>
            )
          ) : (
            <table class="records">
              <ColumnHeads columns={['Record', 'Kind', 'Handling', 'Evaluation', 'Recorded']} />
              <tbody>
                {items.map((e) => (
                  <tr key={e.id} data-entity-id={e.id}>
                    <td>
                      <a href={href(`teams/${team.id}/entities/${e.id}`)}>{entityName(e)}</a>
                    </td>
                    <td>{ENTITY_KIND_LABELS[e.kind as EntityKind] ?? e.kind}</td>
                    <td>
                      <HandlingBadge handling={e.handling} origin={e.originCountry} compact />
                    </td>
                    <td>
                      <EvaluationBadge evaluation={e.evaluation} />
                    </td>
                    <td class="small">
                      {country(e.originCountry)}
                      {e.createdAt ? `, ${dateTime(e.createdAt)}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
    </>
  );
}
