import { useState } from 'preact/hooks';
import { describeItemError, get, query } from '../api.js';
import { country } from '../format.js';
import { href } from '../router.js';
import type { CaseResult, Me, PendingDecision, PendingPage } from '../types.js';
import { DeadlineMark, Loading, Notice, OverdueMark, toggled, useLive, useLoad } from '../ui.js';
import { DecideForm } from './case.js';

const PAGE = 200;

async function loadQueue(): Promise<{ items: PendingDecision[]; more: boolean }> {
  const items: PendingDecision[] = [];
  let cursor: string | null = null;
  // Up to a few pages: a supervisor works from the top of the queue.
  for (let i = 0; i < 5; i++) {
    const page: PendingPage = await get<PendingPage>(`/v1/decisions/pending${query({ limit: PAGE, cursor })}`);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { items, more: cursor !== null };
}

export function QueuePage({ me }: { me: Me }) {
  const state = useLoad(loadQueue, 'queue');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  useLive((e) => e.holdingCountry === me.country || e.destinationCountry === me.country, state.reload, 500);
  const present = new Set(state.data?.items.map((i) => i.caseId));
  const chosen = [...selected].filter((id) => present.has(id));

  const finished = (answer: unknown) => {
    const results = (answer as { results?: CaseResult[] } | undefined)?.results;
    if (results) {
      const failed = results.filter((r) => !r.ok);
      const words = failed.map((r) => `${r.caseId.slice(0, 8)}: ${describeItemError(r.error)}`);
      setOutcome(`${results.length - failed.length} of ${results.length} decided.${failed.length ? ' Not decided — ' + words.join(' ') : ''}`);
    } else setOutcome('Decision recorded.');
    setSelected(new Set());
    setOpen(null);
    state.reload();
  };

  return (
    <section>
      <h1>Decision queue</h1>
      <p class="muted">Cases awaiting the decision of {country(me.country)}, the earliest deadline first.</p>
      {outcome && <Notice>{outcome}</Notice>}
      <Loading state={state}>
        {({ items, more }) =>
          items.length === 0 ? (
            <p class="muted">Nothing is waiting for your decision.</p>
          ) : (
            <>
              <table class="queue">
                <thead>
                  <tr>
                    <th>
                      <input
                        type="checkbox"
                        aria-label="Select all"
                        checked={chosen.length === items.length}
                        onChange={(e) => setSelected((e.target as HTMLInputElement).checked ? new Set(items.map((i) => i.caseId)) : new Set())}
                      />
                    </th>
                    <th>Person</th>
                    <th>Reference</th>
                    <th>Route</th>
                    <th>Other side</th>
                    <th>Deadline</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {items.map((c) => (
                    <>
                      <tr key={c.caseId} data-case-id={c.caseId}>
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`Select ${c.personName ?? c.externalRef}`}
                            checked={selected.has(c.caseId)}
                            onChange={(e) => setSelected(toggled(selected, c.caseId, (e.target as HTMLInputElement).checked))}
                          />
                        </td>
                        <td>
                          <a href={href(`cases/${c.caseId}`)}>{c.personName ?? '(no name)'}</a>
                        </td>
                        <td class="mono">{c.externalRef}</td>
                        <td>
                          {c.holdingCountry} → {c.destinationCountry} <span class="muted">({c.side} side)</span>
                        </td>
                        <td>{c.otherSideDecision ? (c.otherSideDecision === 'approve' ? 'approved' : 'rejected') : <span class="muted">pending</span>}</td>
                        <td>
                          <DeadlineMark c={c} /> <OverdueMark overdue={c.overdue} reasons={c.overdueReasons} />
                        </td>
                        <td>
                          <button type="button" class="secondary" onClick={() => setOpen(open === c.caseId ? null : c.caseId)}>
                            {open === c.caseId ? 'Close' : 'Decide…'}
                          </button>
                        </td>
                      </tr>
                      {open === c.caseId && (
                        <tr class="inline-form">
                          <td colSpan={7}>
                            <DecideForm caseIds={[c.caseId]} side={c.side} done={finished} label={`Decide: ${c.personName ?? c.externalRef}`} />
                          </td>
                        </tr>
                      )}
                    </>
                  ))}
                </tbody>
              </table>
              {more && <p class="muted">More cases are waiting beyond these {items.length}; decide these first.</p>}
              {chosen.length > 0 ? (
                <DecideForm caseIds={chosen} bulk done={finished} label={`Decide the ${chosen.length} selected case${chosen.length === 1 ? '' : 's'}`} />
              ) : (
                <p class="muted">Tick cases to approve or reject several at once.</p>
              )}
            </>
          )
        }
      </Loading>
    </section>
  );
}
