// The safeguards of a case on its page: trafficking screening, protection claims, medical and legal
// holds, consular notification, the custody clock and court orders — what is recorded, and the
// forms for what the user may record now (actions.ts decides which).
import { useState } from 'preact/hooks';
import { isDecided, isTerminal } from '../actions.js';
import { statusAfterHolds } from '../../../workflows/case-rules.js';
import { post } from '../api.js';
import {
  country,
  dateTime,
  fromLocalInput,
  HOLD_KIND_LABELS,
  INDICATOR_LABELS,
  INDICATORS,
  relative,
  STATUS_LABELS,
  toLocalInput,
} from '../format.js';
import type { CaseDetail, ClaimCreated, Hold, HoldCreated, Indicator } from '../types.js';
import { ActionForm, Select, TextField, useAction } from '../ui.js';

type Done = () => void;
const trimmed = (value: string) => (value.trim() ? value.trim() : undefined);
const lower = (status: CaseDetail['status']) => STATUS_LABELS[status].toLowerCase();

// ---- what is recorded ----

export function ScreeningView({ c }: { c: CaseDetail }) {
  const s = c.screening;
  // Screening records stay with the holding country: other countries get none.
  if (!s && !['IDENTITY_PENDING', 'SCREENING_PENDING'].includes(c.status)) {
    return <p class="muted">No screening record to show ({country(c.holdingCountry)} keeps its screening records).</p>;
  }
  if (!s) {
    return (
      <p class="muted">
        Not screened yet
        {c.status === 'SCREENING_PENDING' && c.deadlines.screeningDueAt ? ` — due ${relative(c.deadlines.screeningDueAt)}` : ''} (
        {country(c.holdingCountry)} screens once nationality is verified).
      </p>
    );
  }
  return (
    <div data-testid="screening">
      {s.indicators.length === 0 ? (
        <p>
          <strong class="ok">No trafficking indicators</strong> — by {s.by}, {dateTime(s.at)}
        </p>
      ) : (
        <>
          <p>
            <strong class="bad">Trafficking indicators found</strong> — by {s.by}, {dateTime(s.at)}:
          </p>
          <ul>
            {s.indicators.map((i) => (
              <li key={i}>{INDICATOR_LABELS[i] ?? i}</li>
            ))}
          </ul>
        </>
      )}
      {s.notes && <p class="reason">{s.notes}</p>}
    </div>
  );
}

function holdState(h: Hold): string {
  if (h.active)
    return `since ${dateTime(h.placedAt)}${h.placedBy ? `, by ${h.placedBy}` : ''}${h.until ? `; expected to end ${dateTime(h.until)}` : ''}`;
  const how = h.outcome === 'upheld' ? 'upheld' : h.outcome === 'dismissed' ? 'dismissed' : 'lifted';
  return `${how} ${dateTime(h.endedAt)} by ${h.endedBy ?? '—'} (placed ${dateTime(h.placedAt)} by ${h.placedBy})`;
}

export function HoldsView({ c }: { c: CaseDetail }) {
  if (c.holds.length === 0) return <p class="muted">No holds or protection claims.</p>;
  return (
    <ul class="holds">
      {[...c.holds].reverse().map((h) => (
        <li key={h.holdId} data-hold-id={h.holdId} class={h.active ? 'active' : 'ended'}>
          <strong>{HOLD_KIND_LABELS[h.kind]}</strong>{' '}
          <span class={`badge ${h.active ? 'status-on-hold' : ''}`}>{h.active ? 'active' : 'ended'}</span>{' '}
          <span class="muted">{holdState(h)}</span>
          {h.reason === null ? (
            <div class="muted">Held for a legal review by {country(c.holdingCountry)}; the reason stays with it.</div>
          ) : (
            <div class="reason">
              {h.kind === 'protection_claim' ? 'Grounds: ' : 'Reason: '}
              {h.reason}
            </div>
          )}
          {h.outcomeReason && (
            <div class="reason">
              {h.outcome === 'lifted' ? 'Lifted: ' : 'Legal review: '}
              {h.outcomeReason}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

export function ConsularView({ c }: { c: CaseDetail }) {
  const n = c.consularNotice;
  const consulate = country(c.destinationCountry ?? c.claimedNationality);
  if (!n) {
    return (
      <p class={c.overdueReasons.includes('consular') ? 'bad' : 'muted'}>
        The consulate of {consulate} has not been notified
        {c.deadlines.consularDueAt ? ` — due ${dateTime(c.deadlines.consularDueAt)} (${relative(c.deadlines.consularDueAt)})` : ''}.
      </p>
    );
  }
  return (
    <p>
      Consulate of {consulate} notified {dateTime(n.notifiedAt)} by {n.channel}; the person {n.accessRequested ? 'asked' : 'did not ask'}{' '}
      for consular access. <span class="muted">Recorded by {n.recordedBy}.</span>
    </p>
  );
}

export function CustodyView({ c }: { c: CaseDetail }) {
  // The store keeps the last limit after the decision; the clock itself has stopped.
  const due = isDecided(c) ? null : c.deadlines.custodyDueAt;
  const x = c.custodyExtension;
  // The custody clock is the holding country's: other countries get no due date and no extension.
  if (!due && !isDecided(c)) return <p class="muted">{country(c.holdingCountry)} keeps the custody clock of its detention.</p>;
  return (
    <>
      {due ? (
        <p class={c.overdueReasons.includes('custody') ? 'bad' : ''}>
          A decision is due by {dateTime(due)} ({relative(due)}), counted from the arrest; time on a medical or legal hold does not count.
        </p>
      ) : (
        <p class="muted">The custody clock has stopped: the case {isTerminal(c.status) ? 'is closed' : 'has its decision'}.</p>
      )}
      {x ? (
        <p>
          Extended once, by {x.days} days, by {x.by} on {dateTime(x.at)} <span class="reason">— {x.reason}</span>
        </p>
      ) : (
        <p class="muted">Not extended (one extension of up to 30 days is allowed).</p>
      )}
    </>
  );
}

export function CourtOrderView({ c }: { c: CaseDetail }) {
  const o = c.courtOrder;
  if (o) {
    return (
      <p>
        Order {o.reference} of {o.court}, issued {dateTime(o.issuedAt)} <span class="muted">(recorded by {o.recordedBy})</span>
      </p>
    );
  }
  return (
    <p class={c.awaitingCourtOrder ? 'bad' : 'muted'}>
      {c.awaitingCourtOrder
        ? 'Both sides have approved: the extradition completes when the court order is recorded.'
        : 'No court order recorded yet; an extradition needs one before its approval completes.'}
    </p>
  );
}

// ---- forms ----

export function ScreeningForm({ c, done }: { c: CaseDetail; done: Done }) {
  const [indicators, setIndicators] = useState<Indicator[]>([]);
  const [notes, setNotes] = useState('');
  const [claims, setClaims] = useState(false);
  const [grounds, setGrounds] = useState('');
  const claim = claims && indicators.length === 0;
  const action = useAction(() =>
    post(`/v1/cases/${c.caseId}/screening`, {
      indicators,
      ...(trimmed(notes) ? { notes: notes.trim() } : {}),
      ...(claim ? { protectionClaim: { grounds: grounds.trim() } } : {}),
    }).then(done),
  );
  const toggle = (i: Indicator, on: boolean) => setIndicators(on ? [...indicators, i] : indicators.filter((x) => x !== i));
  const outcome =
    indicators.length > 0
      ? 'Any indicator sends the case to protection: victim services, no criminal transfer.'
      : claim
        ? 'No indicators: the case goes to approval, and is held until the protection claim is decided.'
        : 'No indicators: the case goes to approval by both countries.';
  return (
    <ActionForm
      label="Screening"
      title="Screen for signs of trafficking"
      submit="Record screening"
      action={action}
      disabled={claim && !grounds.trim()}
      confirm={indicators.length === 0 ? 'No trafficking indicators found — confirm' : null}
    >
      <fieldset class="checklist">
        <legend>Indicators found (tick every one that applies)</legend>
        {INDICATORS.map((i) => (
          <label class="radio" key={i}>
            <input
              type="checkbox"
              name="indicator"
              value={i}
              checked={indicators.includes(i)}
              onChange={(e) => toggle(i, (e.target as HTMLInputElement).checked)}
            />{' '}
            {INDICATOR_LABELS[i]}
          </label>
        ))}
      </fieldset>
      <TextField label="Notes (optional)" name="screening-notes" rows={2} value={notes} onChange={setNotes} />
      {indicators.length === 0 && (
        <>
          <label class="radio">
            <input
              type="checkbox"
              name="protection-claim"
              checked={claims}
              onChange={(e) => setClaims((e.target as HTMLInputElement).checked)}
            />{' '}
            The person claims protection (asylum, non-refoulement)
          </label>
          {claims && (
            <TextField
              label="Grounds of the claim (required)"
              name="claim-grounds"
              rows={2}
              required
              value={grounds}
              onChange={setGrounds}
            />
          )}
        </>
      )}
      <p class="muted" data-testid="screening-outcome">
        {outcome}
      </p>
    </ActionForm>
  );
}

export function LodgeClaimForm({ c, done, close }: { c: CaseDetail; done: Done; close: Done }) {
  const [grounds, setGrounds] = useState('');
  const [lodgedAt, setLodgedAt] = useState('');
  const action = useAction(() =>
    post<ClaimCreated>(`/v1/cases/${c.caseId}/protection-claims`, {
      grounds: grounds.trim(),
      ...(lodgedAt ? { lodgedAt: fromLocalInput(lodgedAt) } : {}),
    }).then(() => (close(), done())),
  );
  return (
    <ActionForm
      label="Protection claim"
      title="Lodge a protection claim"
      submit="Lodge the claim"
      action={action}
      disabled={!grounds.trim()}
      onBack={close}
    >
      <p class="muted">The case goes on hold and cannot board a transfer until a supervisor records the outcome of the legal review.</p>
      <TextField label="Grounds (asylum, non-refoulement)" name="claim-grounds" rows={3} required value={grounds} onChange={setGrounds} />
      <TextField
        label="Lodged at (optional; now if empty)"
        name="claim-lodged-at"
        type="datetime-local"
        value={lodgedAt}
        onChange={setLodgedAt}
      />
    </ActionForm>
  );
}

export function ClaimOutcomeForm({ c, claim, done }: { c: CaseDetail; claim: Hold; done: Done }) {
  const [outcome, setOutcome] = useState<'upheld' | 'dismissed'>('dismissed');
  const [reason, setReason] = useState('');
  const action = useAction(() =>
    post(`/v1/cases/${c.caseId}/protection-claims/${claim.holdId}/outcome`, { outcome, reason: reason.trim() }).then(done),
  );
  const back = statusAfterHolds(claim.resumeStatus, c.transferId);
  return (
    <ActionForm
      label="Protection claim outcome"
      title={`Outcome of the protection claim lodged ${dateTime(claim.placedAt)}`}
      submit="Record the outcome"
      action={action}
      disabled={!reason.trim()}
    >
      <p class="reason">Grounds: {claim.reason}</p>
      <Select
        label="Legal review"
        name="claim-outcome"
        value={outcome}
        options={[
          ['upheld', 'Upheld: the person is protected (no return)'],
          [
            'dismissed',
            `Dismissed: the case goes on${c.holds.filter((h) => h.active).length > 1 ? ' when its other holds end' : ` (${lower(back)})`}`,
          ],
        ]}
        onChange={(v) => setOutcome(v as typeof outcome)}
      />
      <TextField label="Reason (required)" name="claim-outcome-reason" rows={2} required value={reason} onChange={setReason} />
    </ActionForm>
  );
}

export function PlaceHoldForm({ c, done, close }: { c: CaseDetail; done: Done; close: Done }) {
  const [kind, setKind] = useState<'medical' | 'legal'>('medical');
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const action = useAction(() =>
    post<HoldCreated>(`/v1/cases/${c.caseId}/holds`, {
      kind,
      reason: reason.trim(),
      ...(until ? { until: fromLocalInput(until) } : {}),
    }).then(() => (close(), done())),
  );
  return (
    <ActionForm
      label="Place a hold"
      submit="Place the hold"
      action={action}
      disabled={!reason.trim()}
      onBack={close}
    >
      <p class="muted">The case stops where it is and returns there when the hold is lifted; its deadline moves by the time held.</p>
      <Select
        label="Kind"
        name="hold-kind"
        value={kind}
        options={[
          ['medical', 'Medical'],
          ['legal', 'Legal'],
        ]}
        onChange={(v) => setKind(v as typeof kind)}
      />
      <TextField label="Reason (required)" name="hold-reason" rows={2} required value={reason} onChange={setReason} />
      <TextField label="Expected end (optional)" name="hold-until" type="datetime-local" value={until} onChange={setUntil} />
    </ActionForm>
  );
}

export function LiftHoldForm({ c, hold, done }: { c: CaseDetail; hold: Hold; done: Done }) {
  const [reason, setReason] = useState('');
  const action = useAction(() =>
    post(`/v1/cases/${c.caseId}/holds/${hold.holdId}/lift`, trimmed(reason) ? { reason: reason.trim() } : {}).then(done),
  );
  const last = c.holds.filter((h) => h.active).length === 1;
  return (
    <ActionForm
      label={`Lift ${HOLD_KIND_LABELS[hold.kind].toLowerCase()}`}
      submit="Lift the hold"
      action={action}
    >
      <p class="reason">{hold.reason}</p>
      <p class="muted">
        {last
          ? `The case returns to ${lower(statusAfterHolds(hold.resumeStatus, c.transferId))}.`
          : 'Other holds remain: the case stays on hold.'}
      </p>
      <TextField label="Reason (optional)" name="lift-reason" value={reason} onChange={setReason} />
    </ActionForm>
  );
}

export function ConsularNoticeForm({ c, done, close }: { c: CaseDetail; done: Done; close: Done }) {
  const [notifiedAt, setNotifiedAt] = useState(toLocalInput(Date.now()));
  const [channel, setChannel] = useState('diplomatic note');
  const [access, setAccess] = useState(false);
  const action = useAction(() =>
    post(`/v1/cases/${c.caseId}/consular-notice`, {
      notifiedAt: fromLocalInput(notifiedAt),
      channel: channel.trim(),
      accessRequested: access,
    }).then(() => (close(), done())),
  );
  return (
    <ActionForm
      label="Consular notice"
      title={`Record notification of the consulate of ${country(c.destinationCountry ?? c.claimedNationality)}`}
      submit="Record the notice"
      action={action}
      disabled={!channel.trim() || !notifiedAt}
      onBack={close}
    >
      <TextField
        label="Notified at"
        name="consular-notified-at"
        type="datetime-local"
        required
        value={notifiedAt}
        onChange={setNotifiedAt}
      />
      <TextField
        label="Channel"
        name="consular-channel"
        required
        maxLength={100}
        value={channel}
        onChange={setChannel}
        placeholder="diplomatic note, email, phone"
      />
      <label class="radio">
        <input
          type="checkbox"
          name="consular-access"
          checked={access}
          onChange={(e) => setAccess((e.target as HTMLInputElement).checked)}
        />{' '}
        The person asked for consular access
      </label>
    </ActionForm>
  );
}

export function CourtOrderForm({ c, done, close }: { c: CaseDetail; done: Done; close: Done }) {
  const [reference, setReference] = useState('');
  const [court, setCourt] = useState('');
  const [issuedAt, setIssuedAt] = useState('');
  const action = useAction(() =>
    post(`/v1/cases/${c.caseId}/court-order`, {
      reference: reference.trim(),
      court: court.trim(),
      issuedAt: fromLocalInput(issuedAt),
    }).then(() => (close(), done())),
  );
  return (
    <ActionForm
      label="Court order"
      title="Record the extradition court order"
      submit="Record the order"
      action={action}
      disabled={!reference.trim() || !court.trim() || !issuedAt}
      onBack={close}
    >
      <TextField label="Reference" name="court-reference" required maxLength={200} value={reference} onChange={setReference} />
      <TextField label="Court" name="court-name" required maxLength={300} value={court} onChange={setCourt} />
      <TextField label="Issued at" name="court-issued-at" type="datetime-local" required value={issuedAt} onChange={setIssuedAt} />
    </ActionForm>
  );
}

export function ExtendCustodyForm({ c, done, close }: { c: CaseDetail; done: Done; close: Done }) {
  const [days, setDays] = useState('30');
  const [reason, setReason] = useState('');
  const n = Number(days);
  const valid = Number.isInteger(n) && n >= 1 && n <= 30;
  const action = useAction(() =>
    post(`/v1/cases/${c.caseId}/custody-extension`, { days: n, reason: reason.trim() }).then(() => (close(), done())),
  );
  const due = c.deadlines.custodyDueAt;
  return (
    <ActionForm
      label="Extend custody"
      title="Extend the custody limit (once only)"
      submit={`Extend by ${valid ? n : '…'} days`}
      action={action}
      disabled={!valid || !reason.trim()}
      onBack={close}
    >
      {due && valid && (
        <p class="muted">
          Now due {dateTime(due)}; after the extension {dateTime(new Date(Date.parse(due) + n * 86_400_000).toISOString())}. There is no
          second extension.
        </p>
      )}
      <label>
        Days (1 to 30)
        <input
          name="custody-days"
          type="number"
          min={1}
          max={30}
          step={1}
          required
          value={days}
          onInput={(e) => setDays((e.target as HTMLInputElement).value)}
        />
      </label>
      <TextField label="Reason (required)" name="custody-reason" rows={2} required value={reason} onChange={setReason} />
    </ActionForm>
  );
}

/** Release and cancellation: a reason, then the case is closed. */
export function ClosingForm({ c, kind, done, close }: { c: CaseDetail; kind: 'release' | 'cancel'; done: Done; close: Done }) {
  const [reason, setReason] = useState('');
  const action = useAction(() => post(`/v1/cases/${c.caseId}/${kind}`, { reason: reason.trim() }).then(done));
  const release = kind === 'release';
  return (
    <ActionForm
      label={release ? 'Release' : 'Cancel case'}
      title={release ? 'Record release from custody' : 'Cancel the case'}
      submit={release ? 'Record release' : 'Cancel the case'}
      danger
      action={action}
      disabled={!reason.trim()}
      onBack={close}
    >
      {release && <p class="muted">The person is released; the case closes as released{c.transferId ? ' and leaves its transfer' : ''}.</p>}
      <TextField label="Reason (required)" name={`${kind}-reason`} rows={2} required value={reason} onChange={setReason} />
    </ActionForm>
  );
}

/** A MISSING person found: who (the signed-in officer), when and where; the case returns to approved. */
export function LocatedForm({ c, done }: { c: CaseDetail; done: Done }) {
  const [locatedAt, setLocatedAt] = useState('');
  const [place, setPlace] = useState('');
  const [notes, setNotes] = useState('');
  const action = useAction(() =>
    post(`/v1/cases/${c.caseId}/located`, { locatedAt: fromLocalInput(locatedAt), place: place.trim(), notes: notes.trim() || null }).then(done),
  );
  return (
    <ActionForm
      label="Person located"
      title="Record the person located and back in custody"
      submit="Record located"
      action={action}
      disabled={!locatedAt || !place.trim()}
    >
      <p class="muted">Only once the person is back in the custody of {country(c.holdingCountry)}. The case returns to approved, for the next transfer.</p>
      <TextField label="Found at (date and time)" name="located-at" type="datetime-local" required value={locatedAt} onChange={setLocatedAt} />
      <TextField label="Where" name="located-place" required maxLength={300} value={place} onChange={setPlace} />
      <TextField label="Notes" name="located-notes" rows={2} value={notes} onChange={setNotes} />
    </ActionForm>
  );
}
