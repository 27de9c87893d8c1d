// One intelligence record (its attributes, handling, evaluation, links, the cases tied to it and
// its change history), and the forms that add a record of each kind and a link between two.
import { useState } from 'preact/hooks';
import { get, patch, post, query } from '../api.js';
import { COUNTRIES, COUNTRY_CODES, country, dateTime } from '../format.js';
import { ENTITY_KIND_LABELS, ENTITY_KINDS, entityName, fieldErrors, LINK_TYPES, linkLabel, otherEnd, PERSON_ROLES, type EntityKind } from '../intel.js';
import { Choice, defaultHandling, EntityPicker, EvaluationBadge, EvaluationFields, HandlingBadge, HandlingFields, handlingBody, isMember, TextInput, teamReadOnly, useTeam, type HandlingInput } from '../intel-ui.js';
import { href, navigate } from '../router.js';
import type { EntityDetail, Graph, IntelChange, IntelEntity, Me, Team } from '../types.js';
import { ErrorBox, Expandable, Loading, useAction, useLoad } from '../ui.js';

const teamPath = (teamId: string) => `/v1/teams/${encodeURIComponent(teamId)}`;


const ATTRIBUTE_LABELS: Record<string, string> = {
  name: 'Name',
  role: 'Role',
  nationality: 'Nationality',
  dateOfBirth: 'Date of birth',
  type: 'Type',
  address: 'Address',
  geo: 'Position',
  bank: 'Bank',
  number: 'Number',
  country: 'Country',
  provider: 'Provider',
  chain: 'Chain',
  platform: 'Platform',
  handle: 'Handle',
  plate: 'Plate',
  holderName: 'Holder',
  make: 'Make',
  model: 'Model',
  colour: 'Colour',
  displayName: 'Display name',
  aliases: 'Also known as',
  notes: 'Notes',
};
const attributeText = (value: unknown): string =>
  value && typeof value === 'object' && 'lat' in value && 'lon' in value ? `${(value as { lat: number }).lat}, ${(value as { lon: number }).lon}` : typeof value === 'object' ? JSON.stringify(value) : String(value);

export function EntityPage({ teamId, entityId, me }: { teamId: string; entityId: string; me: Me }) {
  const entity = useLoad(() => get<EntityDetail>(`${teamPath(teamId)}/entities/${encodeURIComponent(entityId)}`), `${teamId}/${entityId}`);
  // The names of its links' other ends: the graph one step out, in one request.
  const neighbours = useLoad(() => get<Graph>(`${teamPath(teamId)}/graph${query({ entityId, depth: 1 })}`), `${teamId}/${entityId}/graph`);
  // Where the graph cannot answer, each other end on its own.
  const ends = entity.data?.links.map((l) => otherEnd(l, entityId).id) ?? [];
  const endsKey = neighbours.error ? ends.join(',') : '';
  const fallback = useLoad(
    () => (endsKey ? Promise.all([...new Set(ends)].slice(0, 50).map((id) => get<IntelEntity>(`${teamPath(teamId)}/entities/${encodeURIComponent(id)}`).catch(() => null))) : Promise.resolve([])),
    `${teamId}/${entityId}/ends/${endsKey}`,
  );
  const history = useLoad(
    () => get<{ items: IntelChange[] }>(`${teamPath(teamId)}/entities/${encodeURIComponent(entityId)}/history`).then((r) => r.items),
    `${teamId}/${entityId}/history`,
  );
  const team = useTeam(teamId);
  return (
    <Loading state={entity}>
      {(e) => {
        const cases = e.cases;
        const changes = history.data ?? [];
        const writable = team.data && isMember(team.data, me) && !teamReadOnly(team.data);
        return (
          <article class="entity" data-entity-id={e.id}>
            <p class="muted small">
              <a href={href(`teams/${teamId}`)}>{team.data?.name ?? 'Team'}</a> › {ENTITY_KIND_LABELS[e.kind as EntityKind] ?? e.kind}
            </p>
            <div class="toolbar">
              <h1>
                {entityName(e)} <span class="badge kind">{ENTITY_KIND_LABELS[e.kind as EntityKind] ?? e.kind}</span>
              </h1>
              <a class="button" href={href(`teams/${teamId}/network`, { entityId: e.id })}>
                Show the network
              </a>
              {writable && (
                <a class="button secondary-link" href={href(`teams/${teamId}/links/new`, { from: e.id })}>
                  Link to another record
                </a>
              )}
            </div>
            <div class="grid">
              <section class="card" aria-labelledby="attributes-title">
                <h2 id="attributes-title">Attributes</h2>
                <dl class="facts" data-testid="attributes">
                  {Object.entries(e.attributes ?? {}).map(([k, v]) => (
                    <>
                      <dt>{ATTRIBUTE_LABELS[k] ?? k}</dt>
                      <dd class={/number|address|handle|plate/.test(k) ? 'mono' : ''}>{attributeText(v)}</dd>
                    </>
                  ))}
                </dl>
              </section>
              <section class="card" aria-labelledby="handling-title">
                <h2 id="handling-title">Handling and evaluation</h2>
                <p>
                  <HandlingBadge handling={e.handling} origin={e.originCountry} />
                </p>
                <p>
                  Evaluation <EvaluationBadge evaluation={e.evaluation} /> <span class="small muted">{e.evaluation && `source ${e.evaluation.source}, information ${e.evaluation.information}`}</span>
                </p>
                {writable && e.originCountry === me.country && team.data && <ChangeHandling entity={e} team={team.data} me={me} onChanged={() => (entity.reload(), history.reload())} />}
                <p class="small muted">
                  Recorded by {e.createdBy} ({country(e.originCountry)}){e.createdAt ? `, ${dateTime(e.createdAt)}` : ''}
                  {e.version ? ` · version ${e.version}` : ''}
                </p>
              </section>
            </div>
            <section aria-labelledby="links-title">
              <h2 id="links-title">Links</h2>
              {(() => {
                  // The record's links come with it; the names of their other ends from the graph one step out.
                  const mine = e.links.filter((l) => l.from === e.id || l.to === e.id);
                  const names = new Map<string, { kind: string; label?: string | null; attributes?: Record<string, unknown> }>([...(neighbours.data?.nodes ?? []), ...(fallback.data ?? []).filter((n) => n !== null)].map((n) => [n.id, n]));
                  return mine.length === 0 ? (
                    <p class="muted">No links you may see.</p>
                  ) : (
                    <ul class="links plain">
                      {mine.map((l) => {
                        const end = otherEnd(l, e.id);
                        const other = names.get(end.id);
                        return (
                          <li key={l.id} data-link-id={l.id}>
                            {end.outgoing ? (
                              <>
                                {linkLabel(l.type)} <a href={href(`teams/${teamId}/entities/${end.id}`)}>{other ? entityName(other) : end.id}</a>
                              </>
                            ) : (
                              <>
                                <a href={href(`teams/${teamId}/entities/${end.id}`)}>{other ? entityName(other) : end.id}</a> {linkLabel(l.type)} this record
                              </>
                            )}
                            {l.amount != null && ` · ${l.amount}${l.currency ? ` ${l.currency}` : ''}`}
                            {(l.since || l.until) && <span class="muted small"> · {[l.since, l.until].map((d) => d?.slice(0, 10) ?? '…').join(' to ')}</span>} <span class={`badge handling handling-${l.handling.code}`}>{l.handling.code}</span> <EvaluationBadge evaluation={l.evaluation} />
                          </li>
                        );
                      })}
                    </ul>
                  );
                })()}
            </section>
            <section aria-labelledby="cases-title">
              <h2 id="cases-title">Cases tied to this record</h2>
              {cases.length === 0 && !e.caseId ? (
                <p class="muted">No case you may see is tied to it.</p>
              ) : (
                <ul class="plain" data-testid="entity-cases">
                  {e.caseId && !cases.some((c) => c.caseId === e.caseId) && (
                    <li>
                      <a href={href(`cases/${e.caseId}`)}>Case {e.caseId.slice(0, 8)}</a> <span class="muted small">(recorded from it)</span>
                    </li>
                  )}
                  {cases.map((c) => (
                    <li key={c.caseId}>
                      <a href={href(`cases/${c.caseId}`)}>Case {c.caseId.slice(0, 8)}</a> <span class="muted small">{c.relation.replace(/_/g, ' ')}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section aria-labelledby="history-title">
              <h2 id="history-title">Change history</h2>
              {changes.length === 0 ? (
                history.error ? <ErrorBox error={history.error} retry={history.reload} /> : <p class="muted">{history.loading ? 'Loading…' : 'No changes recorded.'}</p>
              ) : (
                <ol class="timeline" data-testid="history">
                  {changes.map((c) => (
                    <li key={c.version}>
                      <time dateTime={c.at}>{dateTime(c.at)}</time> · version {c.version} by {c.actorSub}
                      {c.actorCountry ? ` (${c.actorCountry})` : ''}
                      <div class="small">{changeWords(c.what)}</div>
                    </li>
                  ))}
                </ol>
              )}
            </section>
          </article>
        );
      }}
    </Loading>
  );
}

/** The originating country alone changes a record's handling (kept in its history). */
function ChangeHandling({ entity, team, me, onChanged }: { entity: IntelEntity; team: Team; me: Me; onChanged: () => void }) {
  const current = (): HandlingInput => ({ code: entity.handling.code, releasableTo: entity.handling.releasableTo, conditions: entity.handling.conditions ?? '' });
  const [handling, setHandling] = useState<HandlingInput>(current);
  const action = useAction(async () => {
    await patch(`${teamPath(team.id)}/entities/${encodeURIComponent(entity.id)}/handling`, { handling: handlingBody(handling) });
    onChanged();
    return true;
  });
  const { byField, rest } = fieldErrors(action.error, RECORD_FIELDS);
  return (
    <Expandable label="Change handling…">
      {(close) => (
        <form class="action" aria-label="Change handling" onSubmit={(ev) => (ev.preventDefault(), void action.run().then((done) => done && close()))}>
          <HandlingFields value={handling} onChange={setHandling} team={team} me={me} errors={{ ...byField, 'handling.code': byField['handling.code'] ?? byField.handling }} />
          <ErrorBox error={rest} />
          <div class="actions">
            <button type="submit" disabled={action.busy}>
              Change handling
            </button>
            <button type="button" class="secondary" onClick={() => (setHandling(current()), close())}>
              Back
            </button>
          </div>
        </form>
      )}
    </Expandable>
  );
}

type HandlingSnapshot = { handlingCode?: string; code?: string; releasableTo?: string[] | 'team' | null } | undefined;
const handlingLine = (h: HandlingSnapshot) => {
  const code = h?.handlingCode ?? h?.code ?? '?';
  const to = h?.releasableTo;
  return `${code} (releasable to ${!to || to === 'team' ? 'the whole team' : to.join(', ')})`;
};

/** What a change did, in a line. */
function changeWords(what: IntelChange['what']): string {
  const before = what.before as HandlingSnapshot;
  const after = (what.after as { handling?: HandlingSnapshot } & HandlingSnapshot) ?? undefined;
  if (what.action === 'create') return 'Recorded';
  if (what.action === 'handling.change') return `Handling changed from ${handlingLine(before)} to ${handlingLine(after)}`;
  return String(what.action ?? 'Changed').replace(/[._]/g, ' ');
}

/** The attributes each kind asks for (DESIGN.md §6), as form inputs. */
interface AttributeInput {
  key: string;
  label: string;
  required?: boolean;
  options?: [string, string][];
  placeholder?: string;
  type?: string;
  /** For accounts: shown only for this account type. */
  accountType?: string;
}
const ACCOUNT_TYPES: [string, string][] = [
  ['bank', 'Bank account'],
  ['e_wallet', 'E-wallet'],
  ['crypto', 'Crypto wallet'],
];
const CHAINS: [string, string][] = [['btc', 'Bitcoin'], ['eth', 'Ethereum'], ['bsc', 'BNB Smart Chain'], ['polygon', 'Polygon'], ['arbitrum', 'Arbitrum'], ['optimism', 'Optimism'], ['avalanche', 'Avalanche'], ['base', 'Base'], ['tron', 'Tron'], ['sol', 'Solana']];
const countries = (): [string, string][] => COUNTRY_CODES.map((c) => [c, COUNTRIES[c]]);
const KIND_FIELDS: Record<EntityKind, AttributeInput[]> = {
  person: [
    { key: 'name', label: 'Name (any script)', required: true },
    { key: 'role', label: 'Role in the syndicate', options: PERSON_ROLES, required: true },
    { key: 'nationality', label: 'Nationality', options: countries() },
    { key: 'dateOfBirth', label: 'Date of birth', type: 'date' },
  ],
  organisation: [
    { key: 'name', label: 'Name', required: true },
    { key: 'type', label: 'Type', options: [['syndicate', 'Syndicate'], ['front_company', 'Front company'], ['other', 'Other']], required: true },
    { key: 'country', label: 'Country', options: countries() },
  ],
  location: [
    { key: 'name', label: 'Name' },
    { key: 'type', label: 'Type', options: [['compound', 'Compound'], ['safehouse', 'Safehouse'], ['crossing', 'Crossing'], ['other', 'Other']], required: true },
    { key: 'address', label: 'Address' },
    { key: 'lat', label: 'Latitude', placeholder: '11.45' },
    { key: 'lon', label: 'Longitude', placeholder: '104.79' },
    { key: 'country', label: 'Country', options: countries() },
  ],
  account: [
    { key: 'type', label: 'Account type', options: ACCOUNT_TYPES, required: true },
    { key: 'bank', label: 'Bank', accountType: 'bank', required: true },
    { key: 'number', label: 'Account number', accountType: 'bank', required: true },
    { key: 'country', label: 'Country of the bank', accountType: 'bank', options: countries(), required: true },
    { key: 'provider', label: 'Provider', accountType: 'e_wallet', required: true },
    { key: 'number', label: 'Wallet number or phone', accountType: 'e_wallet', required: true },
    { key: 'chain', label: 'Chain', accountType: 'crypto', options: CHAINS, required: true },
    { key: 'address', label: 'Wallet address', accountType: 'crypto', required: true },
    { key: 'holderName', label: 'Holder', accountType: 'bank' },
  ],
  phone: [
    { key: 'number', label: 'Phone number', required: true, placeholder: '+855 12 345 678' },
    { key: 'country', label: 'Country a national number is read in', options: countries() },
  ],
  online_identity: [
    { key: 'platform', label: 'Platform', required: true, placeholder: 'telegram' },
    { key: 'handle', label: 'Handle', required: true },
    { key: 'displayName', label: 'Display name' },
  ],
  vehicle: [
    { key: 'plate', label: 'Plate' },
    { key: 'country', label: 'Country of registration', options: countries() },
    { key: 'make', label: 'Make' },
    { key: 'model', label: 'Model' },
    { key: 'colour', label: 'Colour' },
  ],
};

function attributesOf(kind: EntityKind, values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of KIND_FIELDS[kind]) {
    if (field.accountType && field.accountType !== values.type) continue;
    const v = values[field.key]?.trim();
    if (!v || field.key === 'lat' || field.key === 'lon') continue;
    out[field.key] = v;
  }
  if (kind === 'location' && (values.lat?.trim() || values.lon?.trim())) out.geo = { lat: Number(values.lat), lon: Number(values.lon) };
  return out;
}

const RECORD_FIELDS = ['kind', 'attributes', 'handling.code', 'handling.releasableTo', 'handling.conditions', 'handling', 'evaluation.source', 'evaluation.information', 'evaluation', 'caseId'];

export function NewEntityPage({ teamId, me, params }: { teamId: string; me: Me; params: URLSearchParams }) {
  const team = useTeam(teamId);
  return <Loading state={team}>{(t) => (isMember(t, me) && !teamReadOnly(t) ? <EntityForm team={t} me={me} kind={(params.get('kind') as EntityKind) ?? 'person'} /> : <p>Only the team's members add records, while the team is valid.</p>)}</Loading>;
}

function EntityForm({ team, me, kind: initialKind }: { team: Team; me: Me; kind: EntityKind }) {
  const [kind, setKind] = useState<EntityKind>(ENTITY_KINDS.includes(initialKind) ? initialKind : 'person');
  const [values, setValues] = useState<Record<string, string>>({ type: 'bank' });
  const [handling, setHandling] = useState<HandlingInput>(defaultHandling());
  const [evaluation, setEvaluation] = useState({ source: 'B', information: '2' });
  const [caseId, setCaseId] = useState('');
  const action = useAction(async () => {
    const created = await post<IntelEntity>(`${teamPath(team.id)}/entities`, {
      kind,
      attributes: attributesOf(kind, values),
      handling: handlingBody(handling),
      evaluation: { source: evaluation.source, information: Number(evaluation.information) },
      ...(caseId.trim() ? { caseId: caseId.trim() } : {}),
    });
    navigate(href(`teams/${team.id}/entities/${created.id}`));
  });
  const attributeFields = KIND_FIELDS[kind].filter((f) => !f.accountType || f.accountType === values.type).map((f) => `attributes.${f.key === 'lat' || f.key === 'lon' ? 'geo' : f.key}`);
  const { byField, rest } = fieldErrors(action.error, [...attributeFields, ...RECORD_FIELDS]);
  const attributeError = (key: string) => byField[`attributes.${key === 'lat' || key === 'lon' ? 'geo' : key}`];
  return (
    <section>
      <h1>Add a record to {team.name}</h1>
      <form class="card" aria-label="Add a record" onSubmit={(e) => (e.preventDefault(), void action.run())} noValidate>
        <Choice label="Kind" name="kind" value={kind} options={ENTITY_KINDS.map((k) => [k, ENTITY_KIND_LABELS[k]])} onChange={(k) => setKind(k as EntityKind)} error={byField.kind} />
        <fieldset class="group">
          <legend>{ENTITY_KIND_LABELS[kind]}</legend>
          <div class="row">
            {KIND_FIELDS[kind]
              .filter((f) => !f.accountType || f.accountType === values.type)
              .map((f) =>
                f.options ? (
                  <Choice key={f.key} label={f.label} name={`attributes.${f.key}`} value={values[f.key] ?? ''} options={f.options} any={f.required ? undefined : 'Not recorded'} onChange={(v) => setValues({ ...values, [f.key]: v })} error={attributeError(f.key)} />
                ) : (
                  <TextInput key={f.key} label={f.label} name={`attributes.${f.key}`} type={f.type} value={values[f.key] ?? ''} placeholder={f.placeholder} required={f.required} onChange={(v) => setValues({ ...values, [f.key]: v })} error={attributeError(f.key)} />
                ),
              )}
          </div>
          {byField.attributes && <span class="field-error" data-field="attributes">{byField.attributes}</span>}
        </fieldset>
        <HandlingAndEvaluation handling={handling} setHandling={setHandling} evaluation={evaluation} setEvaluation={setEvaluation} team={team} me={me} byField={byField} />
        <TextInput label="Case it comes from (optional case id)" name="caseId" value={caseId} onChange={setCaseId} error={byField.caseId} maxLength={100} />
        <SubmitRow error={rest} busy={action.busy} label="Add the record" teamId={team.id} />
      </form>
    </section>
  );
}

type EvaluationInput = { source: string; information: string };

/** Handling and evaluation, the two parts every record and link has, with the API's messages. */
function HandlingAndEvaluation(p: { handling: HandlingInput; setHandling: (h: HandlingInput) => void; evaluation: EvaluationInput; setEvaluation: (e: EvaluationInput) => void; team: Team; me: Me; byField: Record<string, string> }) {
  return (
    <>
      <HandlingFields value={p.handling} onChange={p.setHandling} team={p.team} me={p.me} errors={{ ...p.byField, 'handling.code': p.byField['handling.code'] ?? p.byField.handling }} />
      <EvaluationFields value={p.evaluation} onChange={p.setEvaluation} errors={{ ...p.byField, 'evaluation.source': p.byField['evaluation.source'] ?? p.byField.evaluation }} />
    </>
  );
}

/** What no field names, the submit button and the way back to the team. */
function SubmitRow({ error, busy, label, teamId }: { error: unknown; busy: boolean; label: string; teamId: string }) {
  return (
    <>
      <ErrorBox error={error} />
      <div class="actions">
        <button type="submit" disabled={busy}>
          {label}
        </button>
        <a href={href(`teams/${teamId}`)}>Back to the team</a>
      </div>
    </>
  );
}

const LINK_FIELDS = ['from', 'to', 'type', 'since', 'until', 'amount', 'currency', ...RECORD_FIELDS];

export function NewLinkPage({ teamId, me, params }: { teamId: string; me: Me; params: URLSearchParams }) {
  const team = useTeam(teamId);
  const fromId = params.get('from');
  const from = useLoad(() => (fromId ? get<IntelEntity>(`${teamPath(teamId)}/entities/${encodeURIComponent(fromId)}`) : Promise.resolve(null)), `${teamId}/${fromId}`);
  return (
    <Loading state={team}>
      {(t) => (isMember(t, me) && !teamReadOnly(t) ? from.loading ? <p class="muted">Loading…</p> : <LinkForm team={t} me={me} initialFrom={from.data} /> : <p>Only the team's members add links, while the team is valid.</p>)}
    </Loading>
  );
}

function LinkForm({ team, me, initialFrom }: { team: Team; me: Me; initialFrom: IntelEntity | null }) {
  const [from, setFrom] = useState<IntelEntity | null>(initialFrom);
  const [to, setTo] = useState<IntelEntity | null>(null);
  const [f, setF] = useState({ type: 'associated_with', since: '', until: '', amount: '', currency: '' });
  const [handling, setHandling] = useState<HandlingInput>(defaultHandling());
  const [evaluation, setEvaluation] = useState({ source: 'B', information: '2' });
  const [missing, setMissing] = useState<Record<string, string>>({});
  const action = useAction(async () => {
    const created = await post<{ id: string }>(`${teamPath(team.id)}/links`, {
      from: from!.id,
      to: to!.id,
      type: f.type,
      ...(f.since ? { since: f.since } : {}),
      ...(f.until ? { until: f.until } : {}),
      ...(f.amount.trim() ? { amount: Number(f.amount.trim().replace(/,/g, '')) } : {}),
      ...(f.currency.trim() ? { currency: f.currency.trim().toUpperCase() } : {}),
      handling: handlingBody(handling),
      evaluation: { source: evaluation.source, information: Number(evaluation.information) },
    });
    navigate(href(`teams/${team.id}/entities/${from!.id}`, { link: created.id }));
  });
  const submit = () => {
    const need: Record<string, string> = {};
    if (!from) need.from = 'Pick the record the link starts from.';
    if (!to) need.to = 'Pick the record the link goes to.';
    setMissing(need);
    if (Object.keys(need).length === 0) void action.run();
  };
  const { byField: apiErrors, rest } = fieldErrors(action.error, LINK_FIELDS);
  const byField = { ...apiErrors, ...missing };
  const set = (name: keyof typeof f) => (v: string) => setF({ ...f, [name]: v });
  return (
    <section>
      <h1>Add a link in {team.name}</h1>
      <form class="card" aria-label="Add a link" onSubmit={(e) => (e.preventDefault(), submit())} noValidate>
        <div class="grid">
          <EntityPicker teamId={team.id} label="From" name="from" value={from} onChange={setFrom} error={byField.from} />
          <EntityPicker teamId={team.id} label="To" name="to" value={to} onChange={setTo} error={byField.to} />
        </div>
        <div class="row">
          <Choice label="Link" name="type" value={f.type} options={LINK_TYPES.map((t) => [t, linkLabel(t)])} onChange={set('type')} error={byField.type} />
          <TextInput label="Since" name="since" type="date" value={f.since} onChange={set('since')} error={byField.since} />
          <TextInput label="Until" name="until" type="date" value={f.until} onChange={set('until')} error={byField.until} />
          {f.type === 'paid' && (
            <>
              <TextInput label="Amount" name="amount" value={f.amount} onChange={set('amount')} error={byField.amount} placeholder="12500.00" maxLength={30} />
              <TextInput label="Currency" name="currency" value={f.currency} onChange={set('currency')} error={byField.currency} placeholder="USD" maxLength={3} />
            </>
          )}
        </div>
        <HandlingAndEvaluation handling={handling} setHandling={setHandling} evaluation={evaluation} setEvaluation={setEvaluation} team={team} me={me} byField={byField} />
        <SubmitRow error={rest} busy={action.busy} label="Add the link" teamId={team.id} />
      </form>
    </section>
  );
}
