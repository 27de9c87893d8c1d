import { useState } from 'preact/hooks';
import { canDecideClaim, canLiftHold, caseActions, isDecided, sideOf } from '../actions.js';
import { stageDueAt } from '../../../workflows/case-rules.js';
import { get, post } from '../api.js';
import {
  country,
  COUNTRY_CODES,
  dateTime,
  eventLabel,
  HOLD_KIND_LABELS,
  IDENTITY_METHOD_LABELS,
  INDICATOR_LABELS,
  overdueInWords,
  relative,
  ROLE_LABELS,
  STATUS_LABELS,
} from '../format.js';
import { href } from '../router.js';
import type { CaseDetail, CaseEvent, Hold, IdentityMethod, Indicator, Me } from '../types.js';
import { ErrorBox, Expandable, Loading, Notice, OverdueMark, Select, StatusBadge, useAction, useLive, useLoad } from '../ui.js';
import {
  ClaimOutcomeForm,
  ClosingForm,
  LocatedForm,
  ConsularNoticeForm,
  ConsularView,
  CourtOrderForm,
  CourtOrderView,
  CustodyView,
  ExtendCustodyForm,
  HoldsView,
  LiftHoldForm,
  LodgeClaimForm,
  PlaceHoldForm,
  ScreeningForm,
  ScreeningView,
} from './safeguards.js';

type Decision = CaseDetail['decisions']['holding'];

function DecisionView({ title, decision }: { title: string; decision: Decision }) {
  return (
    <div class="decision">
      <h3>{title}</h3>
      {decision ? (
        <p>
          <strong class={decision.decision === 'approve' ? 'ok' : 'bad'}>
            {decision.decision === 'approve' ? 'Approved' : 'Rejected'}
          </strong>{' '}
          by {decision.byName ?? decision.by} ({decision.country}), {dateTime(decision.at)}
          {decision.reason && <span class="reason"> — {decision.reason}</span>}
        </p>
      ) : (
        <p class="muted">Not decided yet</p>
      )}
    </div>
  );
}

const STAGE_DEADLINE_LABELS: Partial<Record<CaseDetail['status'], string>> = {
  IDENTITY_PENDING: 'Identity verification',
  SCREENING_PENDING: 'Screening',
  APPROVAL_PENDING: 'Approval',
  IN_TRANSFER: 'Handover',
};

function Deadlines({ c }: { c: CaseDetail }) {
  const d = c.deadlines;
  const rows: [string, string | null][] = [
    [STAGE_DEADLINE_LABELS[c.status] ?? '', stageDueAt({ status: c.status, ...d })],
    ['Consular notification', c.consularNotice ? null : d.consularDueAt],
    ['Custody: decision due', isDecided(c) ? null : d.custodyDueAt],
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
          <dd class="bad" data-testid="overdue-reasons">
            {overdueInWords(c.overdueReasons) || 'a deadline passed'} — since {dateTime(c.overdueSince)}, escalated {c.escalations} time
            {c.escalations === 1 ? '' : 's'}
          </dd>
        </>
      )}
      {rows.every(([, at]) => !at) && !c.overdue && (
        <>
          <dt>Open deadlines</dt>
          <dd class="muted">none</dd>
        </>
      )}
    </dl>
  );
}

function VerifyIdentity({ c, done }: { c: CaseDetail; done: () => void }) {
  const [result, setResult] = useState<'confirmed' | 'mismatch' | 'inconclusive'>('confirmed');
  const [method, setMethod] = useState<IdentityMethod>('biometric');
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
        options={[
          ['confirmed', `Confirmed: a national of ${country(c.claimedNationality)}`],
          ['mismatch', 'Another nationality established'],
          ['inconclusive', 'Inconclusive'],
        ]}
        onChange={(v) => setResult(v as typeof result)}
      />
      <Select
        label="Method"
        name="method"
        value={method}
        options={Object.entries(IDENTITY_METHOD_LABELS)}
        onChange={(v) => setMethod(v as IdentityMethod)}
      />
      {result === 'mismatch' && (
        <label>
          Nationality established (country code)
          <input
            name="verifiedNationality"
            list="country-codes"
            value={nationality}
            maxLength={2}
            required
            onInput={(e) => setNationality((e.target as HTMLInputElement).value)}
          />
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

export function DecideForm({
  caseIds,
  side,
  done,
  label,
  bulk = false,
}: {
  caseIds: string[];
  side?: string | null;
  done: (results?: unknown) => void;
  label?: string;
  bulk?: boolean;
}) {
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

/** Who did it and why, for each step; for safeguards also what was recorded (the restricted view carries no data). */
function eventDetails(e: CaseEvent): string | null {
  switch (e.type) {
    case 'PROTECTION_REFERRAL': {
      const indicators = e.data?.indicators ?? [];
      return indicators.length ? `Indicators: ${indicators.map((i) => INDICATOR_LABELS[i] ?? i).join('; ')}` : null;
    }
    case 'HOLD_PLACED':
      return e.data && ([HOLD_KIND_LABELS[e.data.kind], e.data.until ? `expected to end ${dateTime(e.data.until)}` : null].filter(Boolean).join(', ') || null);
    case 'PROTECTION_CLAIM_LODGED':
      return e.data?.lodgedAt ? `lodged ${dateTime(e.data.lodgedAt)}` : null;
    case 'HOLD_LIFTED':
      return e.data && HOLD_KIND_LABELS[e.data.kind];
    case 'CUSTODY_EXTENDED':
      return e.data && `by ${e.data.days} days, a decision now due ${dateTime(e.data.custodyDueAt)}`;
    case 'CONSULAR_NOTICE_RECORDED':
      return e.data && `${e.data.channel}, ${dateTime(e.data.notifiedAt)}; consular access ${e.data.accessRequested ? 'requested' : 'not requested'}`;
    case 'COURT_ORDER_RECORDED':
      return e.data && `${e.data.reference}, ${e.data.court}`;
    case 'DECISION_RECORDED':
      return (
        e.data &&
        `${e.data.side} side: ${e.data.decision === 'approve' ? 'approved' : 'rejected'}${e.data.awaitingCourtOrder ? '; waiting for the court order' : ''}`
      );
    case 'REFERRED':
      return e.data && `to the embassy of ${country(e.data.embassyOf)}`;
    case 'PERSON_MISSING':
      return e.data && (e.data.cause === 'HANDOVER_DEADLINE_PASSED' ? 'handover not confirmed in time' : 'reported missing at handover');
    case 'PERSON_LOCATED':
      return e.data && `found ${dateTime(e.data.locatedAt)} at ${e.data.place}`;
    default:
      return null;
  }
}

/** The batch an event is about, if any. */
function transferOf(e: CaseEvent): string | null {
  switch (e.type) {
    case 'TRANSFER_SCHEDULED':
    case 'DEPARTED':
    case 'DROPPED_FROM_TRANSFER':
    case 'HANDED_OVER':
    case 'TRANSFER_FAILED':
    case 'PERSON_MISSING':
      return e.data?.transferId ?? null;
    default:
      return null;
  }
}

/** Steps that always have an author: without one, the author was withheld (another country holds the case). */
const WITHHELD_ACTOR = new Set<CaseEvent['type']>(['SCREENED', 'HOLD_PLACED', 'HOLD_LIFTED', 'CASE_CLOSED']);

function Timeline({ events }: { events: CaseEvent[] }) {
  return (
    <ol class="timeline">
      {events.map((e) => {
        const details = eventDetails(e);
        const transferId = transferOf(e);
        return (
          <li key={e.id} data-event={e.type}>
            <time>{dateTime(e.at)}</time> <strong>{eventLabel(e.type)}</strong>
            {e.toStatus && e.fromStatus !== e.toStatus && <span class="muted"> → {STATUS_LABELS[e.toStatus].toLowerCase()}</span>}
            <span class="muted">
              {' · '}
              {e.actor
                ? `${e.actor.name ?? e.actor.sub} (${[e.actor.role && (ROLE_LABELS[e.actor.role] ?? e.actor.role).toLowerCase(), e.actor.country].filter(Boolean).join(', ')})`
                : WITHHELD_ACTOR.has(e.type)
                  ? 'the holding country'
                  : 'the system (a deadline)'}
            </span>
            {transferId && (
              <>
                {' · '}
                <a href={href(`transfers/${transferId}`)}>transfer</a>
              </>
            )}
            {details && <div>{details}</div>}
            {e.reason && <div class="reason">Why: {e.reason}</div>}
          </li>
        );
      })}
    </ol>
  );
}

/** What holds a case back or closes it, said above everything else. */
function StateNotice({ c }: { c: CaseDetail }) {
  const active = c.holds.filter((h) => h.active);
  if (c.status === 'ON_HOLD') {
    const kinds = [...new Set(active.map((h) => HOLD_KIND_LABELS[h.kind].toLowerCase()))].join(', ');
    return (
      <Notice>
        On hold ({kinds || 'hold'}): the person cannot board a transfer.
        {c.holdResumeStatus && ` When the last hold ends the case returns to ${STATUS_LABELS[c.holdResumeStatus].toLowerCase()}.`}
      </Notice>
    );
  }
  if (c.status === 'MISSING')
    return (
      <div class="notice missing" role="alert">
        <strong>Missing.</strong> The person left {country(c.holdingCountry)} and was not handed over in {country(c.destinationCountry)}: in no
        one's custody, and on no transfer. Both countries' supervisors have been alerted. The case returns to approved only when{' '}
        {country(c.holdingCountry)} records the person located and back in custody, or closes as the supervisors decide.
      </div>
    );
  if (c.status === 'CLOSED') return <Notice>Closed by {country(c.holdingCountry)}: no transfer or decision follows.</Notice>;
  if (c.status === 'PROTECTION')
    return (
      <Notice>
        Protection track: the person is referred to victim services or protected from return. No transfer or decision follows.
      </Notice>
    );
  if (c.status === 'REFERRED')
    return <Notice>Referred to the embassy of {country(c.referredTo)}: not a repatriation case of this operation.</Notice>;
  if (c.status === 'RELEASED') return <Notice>Released from custody.</Notice>;
  if (c.awaitingCourtOrder)
    return <Notice>Both sides have approved this extradition: it completes when the court order is recorded.</Notice>;
  return null;
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
        const done = state.reload;
        return (
          <article class="case" data-case-id={c.caseId}>
            <h1>
              {c.person?.fullName ?? '(no name recorded)'} <StatusBadge status={c.status} resume={c.holdResumeStatus} />{' '}
              <OverdueMark overdue={c.overdue} reasons={c.overdueReasons} />
            </h1>
            <p class="muted mono">
              {c.externalRef} · case {c.caseId}
            </p>
            <StateNotice c={c} />
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
                    <dd>
                      {c.person.documents.length
                        ? c.person.documents.map((d) => `${d.type} ${d.number} (${d.issuingCountry})`).join(', ')
                        : 'none'}
                    </dd>
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
                <h2>Identity</h2>
                {c.identity ? (
                  <p>
                    <strong>{c.identity.result}</strong>
                    {c.identity.verifiedNationality && ` — ${country(c.identity.verifiedNationality)}`} by {c.identity.by},{' '}
                    {IDENTITY_METHOD_LABELS[c.identity.method].toLowerCase()}, {dateTime(c.identity.at)}
                    {c.identityChecks > 1 && <span class="muted"> ({c.identityChecks} checks)</span>}
                    {c.identity.notes && <span class="reason"> — {c.identity.notes}</span>}
                  </p>
                ) : (
                  <p class="muted">Not verified yet ({country(c.claimedNationality)} verifies)</p>
                )}
                {c.referredTo && <p>Referred to the embassy of {country(c.referredTo)}.</p>}
                <h2>Screening</h2>
                <ScreeningView c={c} />
              </section>
              <section class="card">
                <h2>Decisions</h2>
                <DecisionView title={`Holding side — ${country(c.holdingCountry)}`} decision={c.decisions.holding} />
                <DecisionView
                  title={`Destination side — ${country(c.destinationCountry ?? c.claimedNationality)}`}
                  decision={c.decisions.destination}
                />
                {c.legalBasis === 'extradition' && (
                  <>
                    <h3>Court order (extradition)</h3>
                    <CourtOrderView c={c} />
                  </>
                )}
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
              <section class="card" aria-label="Safeguards">
                <h2>Holds and protection claims</h2>
                <HoldsView c={c} />
                <h2>Consular notification</h2>
                <ConsularView c={c} />
                <h2>Custody</h2>
                <CustodyView c={c} />
              </section>
            </div>

            <section aria-label="What you can do">
              <h2>What you can do</h2>
              {actions.length === 0 && <p class="muted">Nothing at this stage for your role and country.</p>}
              {actions.includes('verify-identity') && <VerifyIdentity c={c} done={done} />}
              {actions.includes('screen') && <ScreeningForm c={c} done={done} />}
              {actions.includes('decide-protection-claim') &&
                c.holds.filter((h) => canDecideClaim(me, c, h)).map((h) => <ClaimOutcomeForm key={h.holdId} c={c} claim={h} done={done} />)}
              {actions.includes('lift-hold') &&
                c.holds.filter((h) => canLiftHold(me, c, h)).map((h) => <LiftHoldForm key={h.holdId} c={c} hold={h} done={done} />)}
              {actions.includes('record-located') && <LocatedForm c={c} done={done} />}
              {actions.includes('decide') && <DecideForm caseIds={[c.caseId]} side={sideOf(me.country, c)} done={done} />}
              {actions.includes('record-court-order') && c.awaitingCourtOrder && (
                <Expandable label="Record the court order…">{(close) => <CourtOrderForm c={c} done={done} close={close} />}</Expandable>
              )}
              {actions.includes('schedule-transfer') && (
                <p>
                  <a class="button" href={href('transfers/new', { destination: c.destinationCountry, case: c.caseId })}>
                    Put on a transfer
                  </a>
                </p>
              )}
              <div class="actions">
                {actions.includes('record-consular-notice') && (
                  <Expandable label="Record consular notice…">
                    {(close) => <ConsularNoticeForm c={c} done={done} close={close} />}
                  </Expandable>
                )}
                {actions.includes('record-court-order') && !c.awaitingCourtOrder && (
                  <Expandable label="Record the court order…">{(close) => <CourtOrderForm c={c} done={done} close={close} />}</Expandable>
                )}
                {actions.includes('lodge-protection-claim') && (
                  <Expandable label="Lodge a protection claim…">{(close) => <LodgeClaimForm c={c} done={done} close={close} />}</Expandable>
                )}
                {actions.includes('place-hold') && (
                  <Expandable label="Place a medical or legal hold…">
                    {(close) => <PlaceHoldForm c={c} done={done} close={close} />}
                  </Expandable>
                )}
                {actions.includes('extend-custody') && (
                  <Expandable label="Extend custody…">{(close) => <ExtendCustodyForm c={c} done={done} close={close} />}</Expandable>
                )}
                {actions.includes('release') && (
                  <Expandable label="Record release…" danger>
                    {(close) => <ClosingForm c={c} kind="release" done={done} close={close} />}
                  </Expandable>
                )}
                {actions.includes('cancel') && (
                  <Expandable label="Cancel this case…" danger>
                    {(close) => <ClosingForm c={c} kind="cancel" done={done} close={close} />}
                  </Expandable>
                )}
              </div>
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
