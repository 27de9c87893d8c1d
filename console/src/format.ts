// How values read on screen.
import type { CaseStatus } from './types.js';

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
  ON_HOLD: 'On hold',
  HANDED_OVER: 'Handed over',
  REJECTED: 'Rejected',
  REFERRED: 'Referred',
  PROTECTION: 'Protection',
  CANCELLED: 'Cancelled',
  RELEASED: 'Released',
};
export const STATUSES = Object.keys(STATUS_LABELS) as CaseStatus[];

export const ROLE_LABELS: Record<string, string> = { officer: 'Case officer', supervisor: 'Supervisor', auditor: 'Auditor', admin: 'Administrator' };
export const MODE_LABELS: Record<string, string> = { charter_flight: 'Charter flight', commercial_flight: 'Commercial flight', land_border: 'Land border' };

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "in 3 days", "2 hours ago": how far a deadline is. */
export function relative(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const [n, unit] = abs >= 86_400_000 ? [Math.round(abs / 86_400_000), 'day'] : abs >= 3_600_000 ? [Math.round(abs / 3_600_000), 'hour'] : [Math.max(1, Math.round(abs / 60_000)), 'minute'];
  const span = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

/** The deadline that applies to a case in its current status. */
export function currentDeadline(c: { status: CaseStatus; deadlines: { identityDueAt: string | null; approvalDueAt: string | null; handoverDueAt: string | null } }): { label: string; at: string } | null {
  const { identityDueAt, approvalDueAt, handoverDueAt } = c.deadlines;
  if (c.status === 'IDENTITY_PENDING' && identityDueAt) return { label: 'identity due', at: identityDueAt };
  if (c.status === 'APPROVAL_PENDING' && approvalDueAt) return { label: 'approval due', at: approvalDueAt };
  if (c.status === 'IN_TRANSFER' && handoverDueAt) return { label: 'handover due', at: handoverDueAt };
  return null;
}
