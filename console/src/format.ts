// How values read on screen.
import { stageDueAt } from '../../workflows/case-rules.js';
import type { CaseEventType, CaseStatus, Hold, IdentityMethod, Indicator, OverdueReason } from './types.js';

export const COUNTRIES: Record<string, string> = { CN: 'China', KH: 'Cambodia', LA: 'Laos', MM: 'Myanmar', TH: 'Thailand', VN: 'Vietnam' };
export const COUNTRY_CODES = Object.keys(COUNTRIES);
export const country = (code: string | null | undefined) => (code ? (COUNTRIES[code] ? `${COUNTRIES[code]} (${code})` : code) : '—');

export const STATUS_LABELS: Record<CaseStatus, string> = {
  IDENTITY_PENDING: 'Identity pending',
  SCREENING_PENDING: 'Screening pending',
  APPROVAL_PENDING: 'Approval pending',
  APPROVED: 'Approved',
  TRANSFER_SCHEDULED: 'Transfer scheduled',
  IN_TRANSFER: 'In transfer',
  TRANSFER_FAILED: 'Transfer failed',
  MISSING: 'Missing',
  ON_HOLD: 'On hold',
  HANDED_OVER: 'Handed over',
  REJECTED: 'Rejected',
  REFERRED: 'Referred',
  PROTECTION: 'Protection',
  CLOSED: 'Closed',
  CANCELLED: 'Cancelled',
  RELEASED: 'Released',
};
export const STATUSES = Object.keys(STATUS_LABELS) as CaseStatus[];

export const ROLE_LABELS: Record<string, string> = {
  officer: 'Case officer',
  supervisor: 'Supervisor',
  auditor: 'Auditor',
  admin: 'Administrator',
};
export const MODE_LABELS: Record<string, string> = {
  charter_flight: 'Charter flight',
  commercial_flight: 'Commercial flight',
  land_border: 'Land border',
};

/** Each country's time zone: a transfer's times are read where it departs. */
export const COUNTRY_TIME_ZONES: Record<string, string> = {
  CN: 'Asia/Shanghai',
  KH: 'Asia/Phnom_Penh',
  LA: 'Asia/Vientiane',
  MM: 'Asia/Yangon',
  TH: 'Asia/Bangkok',
  VN: 'Asia/Ho_Chi_Minh',
};

/** A time with its zone, always (the same flight reads 02:00 in Phnom Penh and 03:00 in Beijing): the viewer's, or `timeZone`. */
export function dateTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });
}

/** A transfer's time at its departure point (the holding country), with the viewer's own time beside it when that differs. */
export function departureTime(iso: string, holdingCountry: string): string {
  const zone = COUNTRY_TIME_ZONES[holdingCountry];
  const there = dateTime(iso, zone);
  const here = dateTime(iso);
  return !zone || there === here ? there : `${there} local (${here} yours)`;
}

/** "in 3 days", "2 hours ago": how far a deadline is. */
export function relative(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const [n, unit] =
    abs >= 86_400_000
      ? [Math.round(abs / 86_400_000), 'day']
      : abs >= 3_600_000
        ? [Math.round(abs / 3_600_000), 'hour']
        : [Math.max(1, Math.round(abs / 60_000)), 'minute'];
  const span = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

const STAGE_DEADLINES: Partial<Record<CaseStatus, string>> = {
  IDENTITY_PENDING: 'identity due',
  SCREENING_PENDING: 'screening due',
  APPROVAL_PENDING: 'approval due',
  IN_TRANSFER: 'handover due',
};

/** The deadline that applies to a case in its current status (the workflow's stage deadline). */
export function currentDeadline(c: {
  status: CaseStatus;
  deadlines: { identityDueAt: string | null; screeningDueAt: string | null; approvalDueAt: string | null; handoverDueAt: string | null };
}): { label: string; at: string } | null {
  const at = stageDueAt({ status: c.status, ...c.deadlines });
  const label = STAGE_DEADLINES[c.status];
  return at && label ? { label, at } : null;
}

export const INDICATOR_LABELS: Record<Indicator, string> = {
  deceptive_recruitment: 'Deceptive recruitment (lured by a false job offer)',
  confiscated_documents: 'Identity documents confiscated',
  debt_bondage: 'Debt bondage',
  restricted_movement: 'Movement restricted (not free to leave)',
  violence_or_threats: 'Violence or threats',
  minor: 'Under 18',
};
export const INDICATORS = Object.keys(INDICATOR_LABELS) as Indicator[];

export const IDENTITY_METHOD_LABELS: Record<IdentityMethod, string> = {
  biometric: 'Biometric',
  document: 'Document',
  registry: 'Registry',
};

export const HOLD_KIND_LABELS: Record<Hold['kind'], string> = {
  medical: 'Medical hold',
  legal: 'Legal hold',
  protection_claim: 'Protection claim',
  // What users of other countries than the holding one see of any hold.
  legal_review: 'Legal review',
};

/** Why a case is overdue, in words (the API's `overdueReasons`). */
export const OVERDUE_LABELS: Record<OverdueReason, string> = {
  identity: 'identity not verified in time',
  screening: 'screening not done in time',
  approval: 'approval not decided in time',
  handover: 'handover not confirmed in time',
  transfer_attempts: 'too many failed transfers',
  missing: 'missing: left and not handed over',
  custody: 'custody limit passed',
  consular: 'consulate not notified in time',
};
export const overdueInWords = (reasons: readonly OverdueReason[]) => reasons.map((r) => OVERDUE_LABELS[r]).join('; ');

/** Timeline entries in words, one per type of the catalogue (workflows/events.ts). */
export const EVENT_LABELS: Record<CaseEventType, string> = {
  CASE_OPENED: 'Case opened',
  POSSIBLE_DUPLICATE_PERSON: 'Possibly the same person as another case',
  IDENTITY_CONFIRMED: 'Nationality confirmed',
  IDENTITY_INCONCLUSIVE: 'Identity check inconclusive',
  IDENTITY_REVERIFICATION_REQUESTED: 'Another nationality established: that country verifies',
  IDENTITY_OVERDUE: 'Identity verification overdue',
  REFERRED: 'Referred to an embassy',
  SCREENED: 'Screened: no trafficking indicators',
  SCREENING_OVERDUE: 'Screening overdue',
  PROTECTION_REFERRAL: 'Trafficking indicators: referred to protection',
  PROTECTION_CLAIM_LODGED: 'Protection claim lodged',
  PROTECTION_CLAIM_UPHELD: 'Protection claim upheld',
  PROTECTION_CLAIM_DISMISSED: 'Protection claim dismissed',
  HOLD_PLACED: 'Hold placed',
  HOLD_LIFTED: 'Hold lifted',
  CASE_CLOSED: 'Closed by the holding country: no transfer',
  CONSULAR_NOTICE_RECORDED: 'Consulate notified',
  CONSULAR_NOTICE_OVERDUE: 'Consular notification overdue',
  CUSTODY_EXTENDED: 'Custody extended',
  CUSTODY_LIMIT_EXCEEDED: 'Custody limit exceeded',
  COURT_ORDER_RECORDED: 'Court order recorded',
  DECISION_RECORDED: 'Decision recorded',
  APPROVED: 'Approved by both sides',
  APPROVAL_OVERDUE: 'Approval overdue',
  REJECTED: 'Rejected',
  CANCELLED: 'Cancelled',
  RELEASED: 'Released from custody',
  TRANSFER_SCHEDULED: 'Put on a transfer',
  DEPARTED: 'Departed',
  DROPPED_FROM_TRANSFER: 'Taken off the transfer',
  HANDED_OVER: 'Handed over',
  TRANSFER_FAILED: 'Transfer failed',
  RETURNED_FOR_RESCHEDULING: 'Back to approved, for the next transfer',
  PERSON_MISSING: 'Missing: not handed over, in no one\'s custody',
  PERSON_LOCATED: 'Located and back in custody',
  TRANSFER_ATTEMPTS_ESCALATED: 'Escalated after failed transfers',
};
export const eventLabel = (type: CaseEventType) => EVENT_LABELS[type];

/** An ISO time from a `datetime-local` input value (the browser's time zone). */
export const fromLocalInput = (value: string) => new Date(value).toISOString();
/** A `datetime-local` input value for `ms` since the epoch, in the browser's time zone. */
export const toLocalInput = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
