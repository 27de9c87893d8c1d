import { useState } from 'preact/hooks';
import { get, query } from '../api.js';
import { COUNTRIES, COUNTRY_CODES, country, STATUS_LABELS, STATUSES } from '../format.js';
import { href, navigate } from '../router.js';
import type { CasePage, Me, Operation } from '../types.js';
import { DeadlineMark, Loading, OverdueMark, Select, StatusBadge, useLive, useLoad } from '../ui.js';

const FILTERS = ['status', 'holdingCountry', 'destinationCountry', 'operationId', 'overdue'] as const;
const PAGE_SIZE = 50;

export function useOperations() {
  return useLoad(() => get<{ items: Operation[] }>('/v1/operations?limit=500').then((r) => r.items), 'operations');
}

export function CasesPage({ me, params }: { me: Me; params: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const key = JSON.stringify([filters, cursor]);
  const page = useLoad(() => get<CasePage>(`/v1/cases${query({ ...filters, limit: PAGE_SIZE, cursor })}`), key);
  const operations = useOperations();
  useLive(() => true, page.reload, 1000);
  const setFilter = (name: string, value: string) => {
    setCursors([]);
    navigate(href('cases', { ...filters, [name]: value }));
  };
  const select = (name: (typeof FILTERS)[number], label: string, options: [string, string][]) => (
    <Select label={label} name={name} value={filters[name]} any="Any" options={options} onChange={(v) => setFilter(name, v)} />
  );
  const countries = COUNTRY_CODES.map((c): [string, string] => [c, COUNTRIES[c]]);

  return (
    <section>
      <div class="toolbar">
        <h1>Cases</h1>
        {me.role === 'officer' && (
          <a class="button" href={href('cases/new')}>
            Open a case
          </a>
        )}
      </div>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        {select('status', 'Status', STATUSES.map((s) => [s, STATUS_LABELS[s]]))}
        {select('holdingCountry', 'Held in', countries)}
        {select('destinationCountry', 'Destination', countries)}
        {select('operationId', 'Operation', (operations.data ?? []).map((o) => [o.id, o.name]))}
        {select('overdue', 'Overdue', [['true', 'Overdue only'], ['false', 'Not overdue']])}
      </form>
      <Loading state={page}>
        {(data) => (
          <>
            {data.items.length === 0 ? (
              <p class="muted">No cases match.</p>
            ) : (
              <table class="cases">
                <thead>
                  <tr>
                    <th>Person</th>
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
                      <td class="mono">{c.externalRef}</td>
                      <td>
                        <StatusBadge status={c.status} /> <OverdueMark overdue={c.overdue} reasons={c.overdueReasons} />
                      </td>
                      <td>{country(c.holdingCountry)}</td>
                      <td>{country(c.destinationCountry ?? c.claimedNationality)}{c.destinationCountry ? '' : ' (claimed)'}</td>
                      <td>
                        <DeadlineMark c={c} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div class="pager">
              <button type="button" class="secondary" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous page
              </button>
              <span class="muted">Page {cursors.length + 1}</span>
              <button type="button" class="secondary" disabled={!data.nextCursor} onClick={() => data.nextCursor && setCursors([...cursors, data.nextCursor])}>
                Next page
              </button>
            </div>
          </>
        )}
      </Loading>
    </section>
  );
}
