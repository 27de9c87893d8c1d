import { useState } from 'preact/hooks';
import { canScheduleTransfers, transferActions } from '../actions.js';
import { describeItemError, download, get, post, query } from '../api.js';
import { COUNTRIES, COUNTRY_CODES, country, dateTime, departureTime, MODE_LABELS } from '../format.js';
import { href, navigate } from '../router.js';
import type { CaseEventType, CasePage, CaseResult, Me, TransferCreated, TransferDetail, TransferPage as TransferList, TransferResults } from '../types.js';
import { ConfirmButton, ErrorBox, Loading, Notice, Select, StatusBadge, TextField, toggled, useAction, useLive, useLoad } from '../ui.js';

/** The case events that change a batch's list: a leg's outcome, or a case leaving it. */
const TRANSFER_EVENTS: readonly CaseEventType[] = [
  'TRANSFER_SCHEDULED',
  'DEPARTED',
  'DROPPED_FROM_TRANSFER',
  'HANDED_OVER',
  'TRANSFER_FAILED',
  'PERSON_MISSING',
  'CANCELLED',
  'RELEASED',
  'PROTECTION_CLAIM_UPHELD',
  'CASE_CLOSED',
];

const TRANSFER_STATUS: Record<TransferDetail['status'], string> = { SCHEDULED: 'Scheduled', DEPARTED: 'Departed', COMPLETED: 'Completed' };
const LEG_OUTCOME: Record<TransferDetail['cases'][number]['outcome'], string> = {
  scheduled: 'booked',
  departed: 'on board',
  dropped: 'taken off (on hold, protected or closed)',
  handed_over: 'handed over',
  failed: 'missing or not handed over',
};

export function TransfersPage({ me }: { me: Me }) {
  const [status, setStatus] = useState('');
  const state = useLoad(() => get<TransferList>(`/v1/transfers${query({ status, limit: 100 })}`), status);
  useLive((e) => TRANSFER_EVENTS.includes(e.type), state.reload, 800);
  return (
    <section>
      <h1>Transfers</h1>
      <div class="toolbar">
        {canScheduleTransfers(me) && (
          <a class="button" href={href('transfers/new')}>
            Build a transfer
          </a>
        )}
        <Select
          label="Status"
          name="transfer-status"
          value={status}
          any="Any"
          options={Object.entries(TRANSFER_STATUS)}
          onChange={setStatus}
        />
      </div>
      <Loading state={state}>
        {(data) =>
          data.items.length === 0 ? (
            <p class="muted">No transfers{status ? ' with this status' : ''}.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Scheduled</th>
                  <th>Route</th>
                  <th>Mode</th>
                  <th>People</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((t) => (
                  <tr key={t.transferId} data-transfer-id={t.transferId}>
                    <td>
                      <a href={href(`transfers/${t.transferId}`)}>{departureTime(t.scheduledAt, t.holdingCountry)}</a>
                    </td>
                    <td>
                      {t.from} ({t.holdingCountry}) → {t.to} ({t.destinationCountry})
                    </td>
                    <td>{MODE_LABELS[t.mode] ?? t.mode}</td>
                    <td>
                      {t.cases} / {t.capacity}
                    </td>
                    <td>{TRANSFER_STATUS[t.status]}</td>
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

const tomorrowOnTheHour = () => {
  const d = new Date(Date.now() + 24 * 3600_000);
  d.setMinutes(0, 0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function NewTransferPage({ me, params }: { me: Me; params: URLSearchParams }) {
  const others = COUNTRY_CODES.filter((c) => c !== me.country);
  const [destination, setDestination] = useState(params.get('destination') ?? (others.includes('CN') ? 'CN' : others[0]));
  const [mode, setMode] = useState('charter_flight');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [scheduledAt, setScheduledAt] = useState(tomorrowOnTheHour());
  const [capacity, setCapacity] = useState(200);
  const [selected, setSelected] = useState<Set<string> | null>(params.get('case') ? new Set([params.get('case')!]) : null);
  const candidates = useLoad(
    () =>
      get<CasePage>(`/v1/cases${query({ status: 'APPROVED', holdingCountry: me.country, destinationCountry: destination, limit: 500 })}`),
    destination,
  );
  useLive((e) => e.holdingCountry === me.country, candidates.reload, 800);
  const items = candidates.data?.items ?? [];
  // Until the officer picks, the oldest approved cases fill the transfer up to its capacity.
  const chosen = selected ? items.filter((c) => selected.has(c.caseId)) : items.slice(0, capacity);
  const action = useAction(async () => {
    const created = await post<TransferCreated>('/v1/transfers', {
      destinationCountry: destination,
      mode,
      from: from.trim(),
      to: to.trim(),
      scheduledAt: new Date(scheduledAt).toISOString(),
      capacity,
      caseIds: chosen.map((c) => c.caseId),
    });
    const refused = created.cases.filter((c) => !c.accepted);
    sessionStorage.setItem(
      `transfer-created-${created.transferId}`,
      `${created.cases.length - refused.length} of ${created.cases.length} cases put on this transfer.` +
        (refused.length ? ' Not accepted: ' + refused.map((c) => `${c.caseId.slice(0, 8)} — ${describeItemError(c.error)}`).join(' ') : ''),
    );
    navigate(href(`transfers/${created.transferId}`));
  });
  if (!canScheduleTransfers(me)) return <p>Only case officers build transfers.</p>;
  const toggle = (id: string, on: boolean) => setSelected(toggled(selected ?? new Set(chosen.map((c) => c.caseId)), id, on));

  return (
    <section>
      <h1>Build a transfer from {country(me.country)}</h1>
      <form class="card" aria-label="New transfer" onSubmit={(e) => (e.preventDefault(), void action.run())}>
        <div class="row">
          <Select
            label="Destination"
            name="destination"
            value={destination}
            options={others.map((c) => [c, COUNTRIES[c]])}
            onChange={(v) => (setDestination(v), setSelected(null))}
          />
          <Select label="Mode" name="mode" value={mode} options={Object.entries(MODE_LABELS)} onChange={setMode} />
          <TextField label="From" name="from" value={from} required maxLength={200} placeholder="Phnom Penh (PNH)" onChange={setFrom} />
          <TextField label="To" name="to" value={to} required maxLength={200} placeholder="Guangzhou (CAN)" onChange={setTo} />
          <TextField label={`Scheduled (your time, ${Intl.DateTimeFormat().resolvedOptions().timeZone})`} name="scheduledAt" type="datetime-local" value={scheduledAt} required onChange={setScheduledAt} />
          <label>
            Capacity
            <input
              name="capacity"
              type="number"
              min={1}
              max={1000}
              value={capacity}
              required
              onInput={(e) => setCapacity(Math.max(1, Number((e.target as HTMLInputElement).value) || 1))}
            />
          </label>
        </div>
        <h2>
          Approved cases for {country(destination)}{' '}
          <span class="muted">
            ({chosen.length} of {items.length} selected, capacity {capacity})
          </span>
        </h2>
        <Loading state={candidates}>
          {() =>
            items.length === 0 ? (
              <p class="muted">No approved cases are waiting for a transfer to {COUNTRIES[destination]}.</p>
            ) : (
              <table>
                <tbody>
                  {items.map((c) => {
                    const on = chosen.some((x) => x.caseId === c.caseId);
                    return (
                      <tr key={c.caseId} data-case-id={c.caseId}>
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`Put ${c.personName ?? c.externalRef} on the transfer`}
                            checked={on}
                            disabled={!on && chosen.length >= capacity}
                            onChange={(e) => toggle(c.caseId, (e.target as HTMLInputElement).checked)}
                          />
                        </td>
                        <td>{c.personName}</td>
                        <td class="mono">{c.externalRef}</td>
                        <td>
                          <StatusBadge status={c.status} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )
          }
        </Loading>
        {chosen.length > capacity && <div class="error">More people are selected than the transfer can take.</div>}
        <ErrorBox error={action.error} />
        <div class="actions">
          <button type="submit" disabled={action.busy || chosen.length === 0 || chosen.length > capacity}>
            Schedule the transfer with {chosen.length} {chosen.length === 1 ? 'person' : 'people'}
          </button>
        </div>
      </form>
    </section>
  );
}

/** "2 departed." or "1 handed over, 1 reported missing.", then what was refused and why. */
function resultsSummary(results: CaseResult[], counts: [string, (r: CaseResult) => boolean][], refs: Map<string, string>): string {
  const failed = results.filter((r) => !r.ok);
  const done = counts.map(([label, match]) => `${results.filter((r) => r.ok && match(r)).length} ${label}`).join(', ');
  return (
    `${done}.` +
    (failed.length
      ? ' Not done: ' + failed.map((r) => `${refs.get(r.caseId) ?? r.caseId.slice(0, 8)} — ${describeItemError(r.error)}.`).join(' ')
      : '')
  );
}

/** The passenger manifest as CSV: a logged export of personal data, fetched with the token and purpose. */
function ManifestButton({ transferId }: { transferId: string }) {
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction(async () =>
    setSaved(await download(`/v1/transfers/${transferId}/manifest?format=csv`, 'text/csv', `manifest-${transferId}.csv`)),
  );
  return (
    <div class="manifest">
      <button type="button" class="secondary" disabled={action.busy} onClick={() => void action.run()}>
        {action.busy ? 'Preparing the manifest…' : 'Download the manifest (CSV)'}
      </button>
      {saved && <span class="muted"> Saved as {saved}; the export is recorded in the audit log.</span>}
      <ErrorBox error={action.error} />
    </div>
  );
}

export function TransferPage({ transferId, me }: { transferId: string; me: Me }) {
  const state = useLoad(() => get<TransferDetail>(`/v1/transfers/${transferId}`), transferId);
  const [outcome, setOutcome] = useState<string | null>(() => {
    const created = sessionStorage.getItem(`transfer-created-${transferId}`);
    sessionStorage.removeItem(`transfer-created-${transferId}`);
    return created;
  });
  // Who arrived and who did not, as the receiving officer marks each person: nobody by default.
  const [marks, setMarks] = useState<Map<string, 'received' | 'missing'>>(new Map());
  const mark = (ids: string[], as: 'received' | 'missing') => setMarks(new Map([...marks, ...ids.map((id) => [id, as] as const)]));
  const caseIds = new Set(state.data?.cases.map((c) => c.caseId));
  const refs = new Map(state.data?.cases.map((c) => [c.caseId, c.externalRef]));
  useLive((e) => caseIds.has(e.caseId), state.reload, 300);
  const depart = useAction(async () => {
    const r = await post<TransferResults>(`/v1/transfers/${transferId}/depart`, {});
    setOutcome(resultsSummary(r.results, [['departed', () => true]], refs));
    state.reload();
  });
  const handover = useAction(async (aboard: string[]) => {
    const r = await post<TransferResults>(`/v1/transfers/${transferId}/handover`, {
      receivedCaseIds: aboard.filter((id) => marks.get(id) === 'received'),
      missingCaseIds: aboard.filter((id) => marks.get(id) === 'missing'),
    });
    setOutcome(
      resultsSummary(
        r.results,
        [
          ['handed over', (x) => x.status === 'HANDED_OVER'],
          ['reported missing', (x) => x.status !== 'HANDED_OVER'],
        ],
        refs,
      ),
    );
    state.reload();
  });

  return (
    <Loading state={state}>
      {(t) => {
        const actions = transferActions(me, t);
        const aboard = t.cases.filter((c) => c.outcome === 'departed').map((c) => c.caseId);
        const received = aboard.filter((id) => marks.get(id) === 'received').length;
        const reportedMissing = aboard.filter((id) => marks.get(id) === 'missing').length;
        const unmarked = aboard.filter((id) => !marks.has(id));
        const booked = t.cases.filter((c) => c.outcome === 'scheduled');
        const staying = booked.filter((c) => c.status === 'ON_HOLD').length;
        return (
          <section class="transfer" data-transfer-id={t.transferId}>
            <h1>
              {MODE_LABELS[t.mode] ?? t.mode}: {t.from} → {t.to} <span class="badge">{TRANSFER_STATUS[t.status]}</span>
            </h1>
            <p class="muted">
              {country(t.holdingCountry)} → {country(t.destinationCountry)} · departs {departureTime(t.scheduledAt, t.holdingCountry)} · capacity {t.capacity}
              {t.departedAt && ` · departed ${departureTime(t.departedAt, t.holdingCountry)}`}
              {t.completedAt && ` · completed ${dateTime(t.completedAt)}`}
            </p>
            {actions.includes('download-manifest') && <ManifestButton transferId={t.transferId} />}
            {outcome && <Notice>{outcome}</Notice>}
            <table>
              <thead>
                <tr>
                  <th>Reference</th>
                  <th>On this transfer</th>
                  <th>Case status</th>
                  {actions.includes('handover') && <th>Handover</th>}
                </tr>
              </thead>
              <tbody>
                {t.cases.map((c) => (
                  <tr key={c.caseId} data-case-id={c.caseId}>
                    <td>
                      <a href={href(`cases/${c.caseId}`)} class="mono">
                        {c.externalRef}
                      </a>
                    </td>
                    <td>{LEG_OUTCOME[c.outcome]}</td>
                    <td>
                      <StatusBadge status={c.status} />
                    </td>
                    {actions.includes('handover') && (
                      <td>
                        {c.outcome === 'departed' && (
                          <fieldset class="inline" aria-label={`${c.externalRef} at handover`}>
                            {(['received', 'missing'] as const).map((as) => (
                              <label class="radio" key={as}>
                                <input
                                  type="radio"
                                  name={`handover-${c.caseId}`}
                                  aria-label={`${c.externalRef} ${as}`}
                                  checked={marks.get(c.caseId) === as}
                                  onChange={() => mark([c.caseId], as)}
                                />{' '}
                                {as}
                              </label>
                            ))}
                          </fieldset>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
            {actions.includes('depart') && (
              <div class="card action">
                <h3>Departure</h3>
                <p>Confirm that the transfer has left with the people on board.</p>
                <ConfirmButton
                  label="Depart…"
                  question={`${booked.length - staying} of ${booked.length} booked depart${staying ? `; ${staying} on hold stay behind` : ''} — confirm the departure?`}
                  confirm={`Confirm departure of ${booked.length - staying}`}
                  action={depart}
                />
              </div>
            )}
            {actions.includes('handover') && aboard.length > 0 && (
              <div class="card action">
                <h3>Handover</h3>
                <p data-testid="handover-count">
                  {received} received, {reportedMissing} reported missing
                  {unmarked.length ? `, ${unmarked.length} not yet marked: mark each person received or missing.` : '.'}
                </p>
                {unmarked.length > 0 && (
                  <p>
                    <button type="button" class="secondary" onClick={() => mark(unmarked, 'received')}>
                      Mark the {unmarked.length} not yet marked as received
                    </button>
                  </p>
                )}
                <ConfirmButton
                  label="Hand over…"
                  question={`${received} received, ${reportedMissing} reported missing — confirm the handover?`}
                  confirm="Confirm handover"
                  disabled={unmarked.length > 0}
                  action={{ ...handover, run: () => handover.run(aboard) }}
                />
              </div>
            )}
          </section>
        );
      }}
    </Loading>
  );
}
