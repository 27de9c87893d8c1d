import { useEffect, useState } from 'preact/hooks';
import { opensCases } from '../actions.js';
import { get, query } from '../api.js';
import { COUNTRIES, COUNTRY_CODES, country, STATUS_LABELS, STATUSES } from '../format.js';
import { href, navigate } from '../router.js';
import type { CasePage, Me, Operation } from '../types.js';
import { DeadlineMark, Loading, OverdueMark, Pager, Select, StatusBadge, TextField, useLive, useLoad } from '../ui.js';

const FILTERS = ['status', 'holdingCountry', 'destinationCountry', 'operationId', 'overdue'] as const;
const PAGE_SIZE = 50;
// The cursors of the pages before this one, in the URL (base64url, so "." never occurs in one).
const PAGES = 'pages';

export function useOperations() {
  return useLoad(() => get<{ items: Operation[] }>('/v1/operations?limit=500').then((r) => r.items), 'operations');
}

export function CasesPage({ me, params }: { me: Me; params: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  // The search, the filters and the page are the URL's: Back and a shared link return to the same view.
  const q = params.get('q') ?? '';
  const cursors = (params.get(PAGES) ?? '').split('.').filter(Boolean);
  const cursor = cursors.at(-1);
  const show = (changes: Record<string, string>, pages: string[] = []) =>
    navigate(href('cases', { ...filters, q, ...changes, [PAGES]: pages.join('.') }));
  const setCursors = (pages: string[]) => show({}, pages);
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  const key = JSON.stringify([filters, q, cursor]);
  const page = useLoad(() => get<CasePage>(`/v1/cases${query({ ...filters, q: q || undefined, limit: PAGE_SIZE, cursor })}`), key);
  const operations = useOperations();
  useLive(() => true, page.reload, 1000);
  const setFilter = (name: string, value: string) => show({ [name]: value });
  const select = (name: (typeof FILTERS)[number], label: string, options: [string, string][]) => (
    <Select label={label} name={name} value={filters[name]} any="Any" options={options} onChange={(v) => setFilter(name, v)} />
  );
  const countries = COUNTRY_CODES.map((c): [string, string] => [c, COUNTRIES[c]]);

  return (
    <section>
      <div class="toolbar">
        <h1>Cases</h1>
        {opensCases(me) && (
          <a class="button" href={href('cases/new')}>
            Open a case
          </a>
        )}
      </div>
      <form
        class="filters"
        role="search"
        aria-label="Find a person"
        onSubmit={(e) => {
          e.preventDefault();
          show({ q: draft.trim() });
        }}
      >
        <TextField
          label="Name, reference or document number"
          name="q"
          maxLength={200}
          value={draft}
          placeholder="any script; a document number exactly"
          onChange={setDraft}
        />
        <button type="submit">Search</button>
        {q && (
          <button type="button" class="secondary" onClick={() => show({ q: '' })}>
            Clear
          </button>
        )}
      </form>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        {select(
          'status',
          'Status',
          STATUSES.map((s) => [s, STATUS_LABELS[s]]),
        )}
        {select('holdingCountry', 'Held in', countries)}
        {select('destinationCountry', 'Destination', countries)}
        {select(
          'operationId',
          'Operation',
          (operations.data ?? []).map((o) => [o.id, o.name]),
        )}
        {select('overdue', 'Overdue', [
          ['true', 'Overdue only'],
          ['false', 'Not overdue'],
        ])}
      </form>
      <Loading state={page}>
        {(data) => (
          <>
            {data.items.length === 0 ? (
              <p class="muted">{q ? 'No case you can see matches this search.' : 'No cases match.'}</p>
            ) : (
              <table class="cases">
                <thead>
                  <tr>
                    <th>Person</th>
                    <th>Born</th>
                    <th>Documents</th>
                    <th>Reference</th>
                    <th>Status</th>
                    <th>Held in</th>
                    <th>Destination</th>
                    <th>Deadline</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((c) => (
                    <tr key={c.caseId} data-case-id={c.caseId}>
                      <td>
                        <a href={href(`cases/${c.caseId}`)}>{c.personName ?? '(no name recorded)'}</a>
                      </td>
                      <td data-column="born">{c.dateOfBirth ?? '—'}</td>
                      <td data-column="documents">
                        {c.documents.length ? c.documents.map((d) => `${d.type}, ${d.issuingCountry}`).join('; ') : '—'}
                      </td>
                      <td class="mono">{c.externalRef}</td>
                      <td>
                        <StatusBadge status={c.status} resume={c.holdResumeStatus} />{' '}
                        <OverdueMark overdue={c.overdue} reasons={c.overdueReasons} />
                        {c.status === 'ON_HOLD' && c.holdResumeStatus && (
                          <div class="muted small">returns to {STATUS_LABELS[c.holdResumeStatus].toLowerCase()}</div>
                        )}
                        {c.referredTo && <div class="muted small">embassy of {country(c.referredTo)}</div>}
                        {c.awaitingCourtOrder && <div class="muted small">awaiting the court order</div>}
                      </td>
                      <td>{country(c.holdingCountry)}</td>
                      <td>
                        {country(c.destinationCountry ?? c.claimedNationality)}
                        {c.destinationCountry ? '' : ' (claimed)'}
                      </td>
                      <td>
                        <DeadlineMark c={c} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <Pager cursors={cursors} setCursors={setCursors} next={data.nextCursor} />
          </>
        )}
      </Loading>
    </section>
  );
}
