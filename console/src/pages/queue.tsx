import { useEffect, useRef, useState } from 'preact/hooks';
import { describeItemError, get, post, query } from '../api.js';
import { COUNTRIES, country, IDENTITY_METHOD_LABELS, STATUS_LABELS } from '../format.js';
import { href } from '../router.js';
import type { CaseResult, Me, PendingDecision, PendingPage, StreamEvent } from '../types.js';
import { ConfirmPanel, DeadlineMark, ErrorBox, Loading, OverdueMark, useAction, useLive, useLoad } from '../ui.js';
import { DecideForm } from './case.js';

const PAGE = 200;
/** Rows on screen at a time: "Select all" ticks these, never the whole loaded queue. */
const SHOWN = 100;

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

const who = (c: Pick<PendingDecision, 'personName' | 'externalRef'>) => `${c.personName ?? '(no name)'} (${c.externalRef})`;
/** What a decision rests on, as compared when the queue refreshes: a change here drops the case from the selection. */
const basis = (c: PendingDecision) => JSON.stringify([c.otherSideDecision, c.evidence, c.status]);

function IdentityCell({ c }: { c: PendingDecision }) {
  const id = c.evidence.identity;
  if (!id) return <span class="muted">not checked</span>;
  const nationality = id.verifiedNationality ? `, ${COUNTRIES[id.verifiedNationality] ?? id.verifiedNationality}` : '';
  return <>{`${id.result}${nationality} (${IDENTITY_METHOD_LABELS[id.method] ?? id.method})`}</>;
}

function ScreeningCell({ c }: { c: PendingDecision }) {
  const s = c.evidence.screening;
  if (!s) return <span class="muted">{c.side === 'holding' ? 'not screened' : 'holding country only'}</span>;
  return <>{s.indicatorsFound === 0 ? 'no indicators' : `${s.indicatorsFound} indicator${s.indicatorsFound === 1 ? '' : 's'} found`}</>;
}

const documentsText = (c: PendingDecision) =>
  c.evidence.documents.length ? c.evidence.documents.map((d) => `${d.type}, ${d.issuingCountry}`).join('; ') : 'none';

export function QueuePage({ me }: { me: Me }) {
  const state = useLoad(loadQueue, 'queue');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<string | null>(null);
  const [left, setLeft] = useState<string[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const [shown, setShown] = useState(SHOWN);
  // The last stream event per case: why a selected case left the queue.
  const why = useRef(new Map<string, StreamEvent>());
  // The selected rows as they were when ticked (their names survive their leaving).
  const ticked = useRef(new Map<string, PendingDecision>());
  // The cases of a bulk decision on its way: they leave the queue because of it, not "meanwhile".
  const deciding = useRef(new Set<string>());
  useLive(
    (e) => {
      const mine = e.holdingCountry === me.country || e.destinationCountry === me.country;
      if (mine) why.current.set(e.caseId, e);
      return mine;
    },
    state.reload,
    500,
  );
  const items = state.data?.items ?? [];
  const onScreen = items.slice(0, shown);

  // After each refresh: a selected case that left the queue, or changed, leaves the selection, said in words.
  useEffect(() => {
    if (!state.data || ticked.current.size === 0) return;
    const now = new Map(state.data.items.map((c) => [c.caseId, c]));
    const notes: string[] = [];
    for (const [id, before] of ticked.current) {
      if (deciding.current.has(id)) continue;
      const after = now.get(id);
      if (after && basis(after) === basis(before)) continue;
      const e = why.current.get(id);
      const reason = after
        ? 'it changed (tick it again to decide it as it is now)'
        : e?.toStatus
          ? `now ${STATUS_LABELS[e.toStatus] ?? e.toStatus}`
          : 'decided or changed elsewhere';
      notes.push(`${who(before)} ${after ? 'changed' : 'left the queue'}: ${reason}.`);
      ticked.current.delete(id);
    }
    if (notes.length) {
      setLeft((l) => [...l, ...notes]);
      setSelected(new Set(ticked.current.keys()));
    }
  }, [state.data]);

  const select = (rows: PendingDecision[], on: boolean) => {
    for (const c of rows) on ? ticked.current.set(c.caseId, c) : ticked.current.delete(c.caseId);
    setSelected(new Set(ticked.current.keys()));
  };

  const finished = (answer: unknown) => {
    const results = (answer as { results?: CaseResult[] } | undefined)?.results;
    if (results) {
      const failed = results.filter((r) => !r.ok);
      const words = failed.map((r) => `${r.caseId.slice(0, 8)}: ${describeItemError(r.error)}`);
      setOutcome(`${results.length - failed.length} of ${results.length} decided.${failed.length ? ' Not decided — ' + words.join(' ') : ''}`);
    } else setOutcome('Decision recorded.');
    ticked.current.clear();
    deciding.current.clear();
    setSelected(new Set());
    setOpen(null);
    state.reload();
  };

  const allShown = onScreen.length > 0 && onScreen.every((c) => selected.has(c.caseId));
  return (
    <section>
      <h1>Decision queue</h1>
      <p class="muted">Cases awaiting the decision of {country(me.country)}, the earliest deadline first.</p>
      <Loading state={state}>
        {({ more }) =>
          items.length === 0 ? (
            <p class="muted">Nothing is waiting for your decision.</p>
          ) : (
            <>
              <p>
                <label>
                  <input type="checkbox" name="select-shown" checked={allShown} onChange={(e) => select(onScreen, (e.target as HTMLInputElement).checked)} />{' '}
                  Select all {onScreen.length} shown
                </label>
              </p>
              <table class="queue">
                <thead>
                  <tr>
                    <th>
                      <span class="sr-only">Selected</span>
                    </th>
                    <th>Person</th>
                    <th>Reference</th>
                    <th>Route</th>
                    <th>Identity</th>
                    <th>Screening</th>
                    <th>Documents</th>
                    <th>Other side</th>
                    <th>Deadline</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {onScreen.map((c) => (
                    <>
                      <tr key={c.caseId} data-case-id={c.caseId}>
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`Select ${c.personName ?? c.externalRef}`}
                            checked={selected.has(c.caseId)}
                            onChange={(e) => select([c], (e.target as HTMLInputElement).checked)}
                          />
                        </td>
                        <td>
                          <a href={href(`cases/${c.caseId}`)}>{c.personName ?? '(no name)'}</a>
                        </td>
                        <td class="mono">{c.externalRef}</td>
                        <td>
                          {c.holdingCountry} → {c.destinationCountry} <span class="muted">({c.side} side)</span>
                        </td>
                        <td data-evidence="identity">
                          <IdentityCell c={c} />
                        </td>
                        <td data-evidence="screening">
                          <ScreeningCell c={c} />
                        </td>
                        <td data-evidence="documents">{documentsText(c)}</td>
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
                          <td colSpan={10}>
                            <DecideForm caseIds={[c.caseId]} side={c.side} done={finished} label={`Decide: ${c.personName ?? c.externalRef}`} />
                          </td>
                        </tr>
                      )}
                    </>
                  ))}
                </tbody>
              </table>
              {items.length > shown && (
                <p>
                  <button type="button" class="secondary" onClick={() => setShown(shown + SHOWN)}>
                    Show {Math.min(SHOWN, items.length - shown)} more (of {items.length - shown} not shown)
                  </button>
                </p>
              )}
              {more && <p class="muted">More cases are waiting beyond these {items.length}; decide these first.</p>}
            </>
          )
        }
      </Loading>
      <SelectionBar
        chosen={[...selected].map((id) => ticked.current.get(id)!).filter(Boolean)}
        outcome={outcome}
        left={left}
        dismiss={() => setLeft([])}
        clear={() => select([...ticked.current.values()], false)}
        deciding={deciding.current}
        done={finished}
      />
    </section>
  );
}

/**
 * Always in view at the bottom of the page: how many are selected (the names on demand), and the
 * bulk decision, which first lists who is about to be decided and asks to confirm.
 */
function SelectionBar({
  chosen,
  outcome,
  left,
  dismiss,
  clear,
  deciding,
  done,
}: {
  chosen: PendingDecision[];
  outcome: string | null;
  left: string[];
  dismiss: () => void;
  clear: () => void;
  /** Filled with the cases while their decision is on its way. */
  deciding: Set<string>;
  done: (answer: unknown) => void;
}) {
  const [names, setNames] = useState(false);
  const [confirming, setConfirming] = useState<'approve' | 'reject' | null>(null);
  const [reason, setReason] = useState('');
  const action = useAction(async () => {
    const body = { caseIds: chosen.map((c) => c.caseId), decision: confirming!, ...(reason.trim() ? { reason: reason.trim() } : {}) };
    body.caseIds.forEach((id) => deciding.add(id));
    const answer = await post('/v1/decisions', body).catch((err: unknown) => {
      deciding.clear();
      throw err;
    });
    setConfirming(null);
    setReason('');
    done(answer);
  });
  useEffect(() => {
    if (chosen.length === 0) setConfirming(null);
  }, [chosen.length]);
  const n = chosen.length;
  const plural = n === 1 ? '' : 's';
  return (
    <div class="selection-bar" role="region" aria-label="Selection">
      {outcome && n === 0 && (
        <p role="status" data-testid="selection-outcome">
          {outcome}
        </p>
      )}
      {left.length > 0 && (
        <div class="notice missing" role="status" data-testid="selection-left">
          {left.slice(0, 5).map((l) => (
            <p key={l}>{l}</p>
          ))}
          {left.length > 5 && <p>And {left.length - 5} more left or changed.</p>}
          <button type="button" class="secondary" onClick={dismiss}>
            Dismiss
          </button>
        </div>
      )}
      {n === 0 ? (
        <p class="muted">Tick cases to approve or reject several at once.</p>
      ) : confirming ? (
        <ConfirmPanel
          question={`Confirm: ${confirming} ${n} case${plural}`}
          confirm={`Confirm: ${confirming} ${n}`}
          busy={action.busy}
          disabled={confirming === 'reject' && !reason.trim()}
          danger={confirming === 'reject'}
          onConfirm={() => void action.run()}
          onCancel={() => setConfirming(null)}
        >
          <p>
            {confirming === 'approve' ? 'Approve' : 'Reject'} these {n} case{plural}? Nothing is decided until you confirm.
          </p>
          <ol class="selection-names" data-testid="confirm-names">
            {chosen.map((c) => (
              <li key={c.caseId}>{who(c)}</li>
            ))}
          </ol>
          {confirming === 'reject' && (
            <label>
              Reason for rejection (required)
              <textarea name="reason" rows={2} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
            </label>
          )}
          <ErrorBox error={action.error} />
        </ConfirmPanel>
      ) : (
        <div class="actions">
          <span data-testid="selection-count">
            {n} selected
          </span>
          <button type="button" class="secondary" aria-expanded={names} onClick={() => setNames(!names)}>
            {names ? 'Hide names' : 'Show names'}
          </button>
          <button type="button" onClick={() => setConfirming('approve')}>
            Approve {n} selected…
          </button>
          <button type="button" class="danger" onClick={() => setConfirming('reject')}>
            Reject {n} selected…
          </button>
          <button type="button" class="secondary" onClick={clear}>
            Clear selection
          </button>
          {names && (
            <ol class="selection-names">
              {chosen.map((c) => (
                <li key={c.caseId}>{who(c)}</li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
