import { useState } from 'preact/hooks';
import { caseActions, sideOf } from '../actions.js';
import { get, post } from '../api.js';
import { country, COUNTRY_CODES, dateTime, relative } from '../format.js';
import { href } from '../router.js';
import type { CaseDetail, CaseEvent, Me } from '../types.js';
import { ErrorBox, Loading, OverdueMark, Select, StatusBadge, useAction, useLive, useLoad } from '../ui.js';

type Decision = CaseDetail['decisions']['holding'];

function DecisionView({ title, decision }: { title: string; decision: Decision }) {
  return (
    <div class="decision">
      <h3>{title}</h3>
      {decision ? (
        <p>
          <strong class={decision.decision === 'approve' ? 'ok' : 'bad'}>{decision.decision === 'approve' ? 'Approved' : 'Rejected'}</strong> by {decision.byName ?? decision.by} ({decision.country}), {dateTime(decision.at)}
          {decision.reason && <span class="reason"> — {decision.reason}</span>}
        </p>
      ) : (
        <p class="muted">Not decided yet</p>
      )}
    </div>
  );
}

function Deadlines({ c }: { c: CaseDetail }) {
  const rows: [string, string | null][] = [
    ['Identity verification', c.deadlines.identityDueAt],
    ['Approval', c.deadlines.approvalDueAt],
    ['Handover', c.deadlines.handoverDueAt],
  ];
  return (
    <dl class="facts">
      {rows
        .filter(([, at]) => at)
        .map(([label, at]) => (
          <>
            <dt>{label}</dt>
            <dd>
              {dateTime(at)} <span class="muted">({relative(at!)})</span>
            </dd>
          </>
        ))}
      {c.overdue && (
        <>
          <dt>Overdue</dt>
          <dd>
            <OverdueMark overdue={c.overdue} reasons={c.overdueReasons} /> since {dateTime(c.overdueSince)}, escalated {c.escalations}×
          </dd>
        </>
      )}
    </dl>
  );
}

function VerifyIdentity({ c, done }: { c: CaseDetail; done: () => void }) {
  const [result, setResult] = useState<'confirmed' | 'mismatch' | 'inconclusive'>('confirmed');
  const [method, setMethod] = useState<'biometric' | 'document' | 'registry'>('biometric');
  const [nationality, setNationality] = useState('');
  const [notes, setNotes] = useState('');
  const action = useAction(() =>
    post(`/v1/cases/${c.caseId}/identity`, {
      result,
      method,
      ...(result === 'mismatch' ? { verifiedNationality: nationality.trim().toUpperCase() } : {}),
      ...(notes.trim() ? { notes: notes.trim() } : {}),
    }).then(done),
  );
  return (
    <form class="card action" aria-label="Verify identity" onSubmit={(e) => (e.preventDefault(), void action.run())}>
      <h3>Verify identity and nationality</h3>
      <Select
        label="Result"
        name="result"
        value={result}
        options={[['confirmed', `Confirmed: a national of ${country(c.claimedNationality)}`], ['mismatch', 'Another nationality established'], ['inconclusive', 'Inconclusive']]}
        onChange={(v) => setResult(v as typeof result)}
      />
      <Select label="Method" name="method" value={method} options={[['biometric', 'Biometric'], ['document', 'Document'], ['registry', 'Registry']]} onChange={(v) => setMethod(v as typeof method)} />
      {result === 'mismatch' && (
        <label>
          Nationality established (country code)
          <input name="verifiedNationality" list="country-codes" value={nationality} maxLength={2} required onInput={(e) => setNationality((e.target as HTMLInputElement).value)} />
          <datalist id="country-codes">
            {COUNTRY_CODES.map((code) => (
              <option value={code} key={code} />
            ))}
          </datalist>
        </label>
      )}
      <label>
        Notes (optional)
        <textarea name="notes" rows={2} value={notes} onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)} />
      </label>
      <ErrorBox error={action.error} />
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Record verification
        </button>
      </div>
    </form>
  );
}

export function DecideForm({ caseIds, side, done, label, bulk = false }: { caseIds: string[]; side?: string | null; done: (results?: unknown) => void; label?: string; bulk?: boolean }) {
  const [reason, setReason] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const single = !bulk && caseIds.length === 1;
  const action = useAction(async (decision: 'approve' | 'reject') => {
    const body = { decision, ...(reason.trim() ? { reason: reason.trim() } : {}) };
    const answer = single ? await post(`/v1/cases/${caseIds[0]}/decisions`, body) : await post('/v1/decisions', { caseIds, ...body });
    setReason('');
    setRejecting(false);
    done(answer);
  });
  return (
    <form
      class="card action"
      aria-label={label ?? 'Decide'}
      onSubmit={(e) => {
        e.preventDefault();
        if (rejecting) void action.run('reject');
      }}
    >
      <h3>{label ?? `Decide for the ${side ?? ''} side`}</h3>
      {rejecting && (
        <label>
          Reason for rejection (required)
          <textarea name="reason" rows={2} value={reason} required onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
        </label>
      )}
      <ErrorBox error={action.error} />
      <div class="actions">
        {!rejecting && (
          <button type="button" disabled={action.busy || caseIds.length === 0} onClick={() => void action.run('approve')}>
            {single ? 'Approve' : `Approve ${caseIds.length} selected`}
          </button>
        )}
        {!rejecting ? (
          <button type="button" class="danger" disabled={action.busy || caseIds.length === 0} onClick={() => setRejecting(true)}>
            {single ? 'Reject…' : `Reject ${caseIds.length} selected…`}
          </button>
        ) : (
          <>
            <button type="submit" class="danger" disabled={action.busy || !reason.trim()}>
              Confirm rejection
            </button>
            <button type="button" class="secondary" onClick={() => setRejecting(false)}>
              Back
            </button>
          </>
        )}
      </div>
    </form>
  );
}

function CancelCase({ c, done }: { c: CaseDetail; done: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction(() => post(`/v1/cases/${c.caseId}/cancel`, { reason: reason.trim() }).then(done));
  if (!open)
    return (
      <button type="button" class="danger secondary" onClick={() => setOpen(true)}>
        Cancel this case…
      </button>
    );
  return (
    <form class="card action" aria-label="Cancel case" onSubmit={(e) => (e.preventDefault(), void action.run())}>
      <h3>Cancel the case</h3>
      <label>
        Reason (required)
        <textarea name="cancel-reason" rows={2} value={reason} required onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
      </label>
      <ErrorBox error={action.error} />
      <div class="actions">
        <button type="submit" class="danger" disabled={action.busy || !reason.trim()}>
          Cancel the case
        </button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          Keep it
        </button>
      </div>
    </form>
  );
}

function Timeline({ events }: { events: CaseEvent[] }) {
  return (
    <ol class="timeline">
      {events.map((e) => (
        <li key={e.id}>
          <time>{dateTime(e.at)}</time> <strong>{e.type.replace(/_/g, ' ').toLowerCase()}</strong>
          {e.toStatus && e.fromStatus !== e.toStatus && <span class="muted"> → {e.toStatus.replace(/_/g, ' ').toLowerCase()}</span>}
          {e.actor && <span class="muted"> · {e.actor.name ?? e.actor.sub} ({e.actor.country})</span>}
          {e.reason && <div class="reason">{e.reason}</div>}
        </li>
      ))}
    </ol>
  );
}

export function CasePage({ caseId, me }: { caseId: string; me: Me }) {
  const state = useLoad(
    () => Promise.all([get<CaseDetail>(`/v1/cases/${caseId}`), get<{ items: CaseEvent[] }>(`/v1/cases/${caseId}/events`)]),
    caseId,
  );
  useLive((e) => e.caseId === caseId, state.reload, 200);
  return (
    <Loading state={state}>
      {([c, timeline]) => {
        const actions = caseActions(me, c);
        const screening = (c as Record<string, unknown>).screening;
        return (
          <article class="case" data-case-id={c.caseId}>
            <h1>
              {c.person?.fullName ?? '(no name recorded)'} <StatusBadge status={c.status} /> <OverdueMark overdue={c.overdue} reasons={c.overdueReasons} />
            </h1>
            <p class="muted mono">
              {c.externalRef} · case {c.caseId}
            </p>
            {c.flags.possibleDuplicateOf.length > 0 && (
              <div class="notice">
                Possibly the same person as{' '}
                {c.flags.possibleDuplicateOf.map((id) => (
                  <a href={href(`cases/${id}`)} key={id}>
                    another case
                  </a>
                ))}
                : check the documents.
              </div>
            )}
            <div class="grid">
              <section class="card">
                <h2>Person</h2>
                {c.person ? (
                  <dl class="facts">
                    <dt>Name</dt>
                    <dd>{c.person.fullName}</dd>
                    <dt>Date of birth</dt>
                    <dd>{c.person.dateOfBirth ?? '—'}</dd>
                    <dt>Sex</dt>
                    <dd>{c.person.sex ?? '—'}</dd>
                    <dt>Claimed nationality</dt>
                    <dd>{country(c.person.claimedNationality)}</dd>
                    <dt>Documents</dt>
                    <dd>{c.person.documents.length ? c.person.documents.map((d) => `${d.type} ${d.number} (${d.issuingCountry})`).join(', ') : 'none'}</dd>
                  </dl>
                ) : (
                  <p class="muted">No personal record.</p>
                )}
                <h3>Arrest</h3>
                <p>
                  {dateTime(c.arrest.at)}, {c.arrest.place}
                  {c.arrest.allegations.length > 0 && <span class="muted"> · {c.arrest.allegations.join(', ').replace(/_/g, ' ')}</span>}
                </p>
                <p class="muted">
                  Held in {country(c.holdingCountry)} · legal basis {c.legalBasis.replace(/_/g, ' ')}
                </p>
              </section>
              <section class="card">
                <h2>Identity</h2>
                {c.identity ? (
                  <p>
                    <strong>{c.identity.result}</strong>
                    {c.identity.verifiedNationality && ` — ${country(c.identity.verifiedNationality)}`} by {c.identity.by}, {c.identity.method}, {dateTime(c.identity.at)}
                    {c.identityChecks > 1 && <span class="muted"> ({c.identityChecks} checks)</span>}
                  </p>
                ) : (
                  <p class="muted">Not verified yet ({country(c.claimedNationality)} verifies)</p>
                )}
                {screening !== undefined && (
                  <>
                    <h2>Screening</h2>
                    <pre class="muted">{JSON.stringify(screening, null, 2)}</pre>
                  </>
                )}
                <h2>Decisions</h2>
                <DecisionView title={`Holding side — ${country(c.holdingCountry)}`} decision={c.decisions.holding} />
                <DecisionView title={`Destination side — ${country(c.destinationCountry ?? c.claimedNationality)}`} decision={c.decisions.destination} />
                <h2>Transfer</h2>
                {c.transferId ? (
                  <p>
                    <a href={href(`transfers/${c.transferId}`)}>Transfer batch</a> · attempt {Math.max(1, c.transferAttempts)}
                  </p>
                ) : (
                  <p class="muted">Not on a transfer{c.transferAttempts ? ` (${c.transferAttempts} failed attempts)` : ''}</p>
                )}
                <h2>Deadlines</h2>
                <Deadlines c={c} />
              </section>
            </div>

            <section aria-label="What you can do">
              <h2>What you can do</h2>
              {actions.length === 0 && <p class="muted">Nothing at this stage for your role and country.</p>}
              {actions.includes('verify-identity') && <VerifyIdentity c={c} done={state.reload} />}
              {actions.includes('decide') && <DecideForm caseIds={[c.caseId]} side={sideOf(me.country, c)} done={state.reload} />}
              {actions.includes('schedule-transfer') && (
                <p>
                  <a class="button" href={href('transfers/new', { destination: c.destinationCountry, case: c.caseId })}>
                    Put on a transfer
                  </a>
                </p>
              )}
              {actions.includes('cancel') && <CancelCase c={c} done={state.reload} />}
            </section>

            <section>
              <h2>Timeline</h2>
              <Timeline events={timeline.items} />
            </section>
          </article>
        );
      }}
    </Loading>
  );
}
