// Teams and intelligence records as the console shows them: kinds, link types, handling codes and
// the 4×4 evaluation in words, a record's name from its attributes, and the API's field errors.
import { ApiError } from './api.js';
import type { Handling, IntelEntity, IntelLink } from './types.js';

export const ENTITY_KIND_LABELS = {
  person: 'Person',
  organisation: 'Organisation',
  location: 'Location',
  account: 'Account',
  phone: 'Phone',
  online_identity: 'Online identity',
  vehicle: 'Vehicle',
} as const;
export type EntityKind = keyof typeof ENTITY_KIND_LABELS;
export const ENTITY_KINDS = Object.keys(ENTITY_KIND_LABELS) as EntityKind[];

export const LINK_TYPE_LABELS: Record<string, string> = {
  member_of: 'member of',
  leads: 'leads',
  recruited: 'recruited',
  works_at: 'works at',
  held_at: 'held at',
  operates_from: 'operates from',
  owns: 'owns',
  uses: 'uses',
  paid: 'paid',
  associated_with: 'associated with',
};
export const LINK_TYPES = Object.keys(LINK_TYPE_LABELS);
export const linkLabel = (type: string) => LINK_TYPE_LABELS[type] ?? type.replace(/_/g, ' ');

export const PERSON_ROLES: [string, string][] = [
  ['operative', 'Operative'],
  ['organiser', 'Organiser'],
  ['recruiter', 'Recruiter'],
  ['money_mule', 'Money mule'],
  ['victim', 'Victim'],
  ['witness', 'Witness'],
];
export const TEAM_ROLES: [string, string][] = [
  ['investigator', 'Investigator'],
  ['analyst', 'Analyst'],
  ['liaison', 'Liaison officer'],
];
export const teamRole = (role: string) => TEAM_ROLES.find(([r]) => r === role)?.[1] ?? role;

export const HANDLING_CODES: [string, string][] = [
  ['H0', 'H0 — any police use'],
  ['H1', 'H1 — not as evidence without the originator’s consent'],
  ['H2', 'H2 — no dissemination beyond the recipients without consent'],
  ['H3', 'H3 — the stated conditions'],
];
export const handlingWords = (code: string) => HANDLING_CODES.find(([c]) => c === code)?.[1].split(' — ')[1] ?? code;

export const SOURCE_GRADES: [string, string][] = [
  ['A', 'A — reliable: no doubt of the source'],
  ['B', 'B — mostly reliable'],
  ['C', 'C — mostly unreliable'],
  ['X', 'X — reliability cannot be assessed'],
];
export const INFORMATION_GRADES: [string, string][] = [
  ['1', '1 — no doubt of its accuracy'],
  ['2', '2 — known personally to the source, not to the officer'],
  ['3', '3 — not known personally to the source, corroborated'],
  ['4', '4 — not known personally to the source, not corroborated'],
];
export const evaluationCode = (e: { source: string; information: number }) => `${e.source}${e.information}`;
export const evaluationWords = (e: { source: string; information: number }) =>
  `${SOURCE_GRADES.find(([g]) => g === e.source)?.[1].split(' — ')[1] ?? e.source}; ${INFORMATION_GRADES.find(([g]) => g === String(e.information))?.[1].split(' — ')[1] ?? e.information}`;

type Attributes = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** What a record is called on screen: a name, a number or an address from its attributes. */
export function entityName(entity: { kind: string; attributes?: Record<string, unknown>; label?: string | null }): string {
  if (entity.label) return entity.label;
  const a = (entity.attributes ?? {}) as Attributes;
  const geo = a.geo as { lat?: number; lon?: number } | undefined;
  const candidates: Record<string, unknown[]> = {
    person: [a.name, a.fullName],
    organisation: [a.name],
    location: [a.name, a.address, geo ? `${geo.lat}, ${geo.lon}` : ''],
    account: [a.number && [a.bank, a.number].filter(Boolean).join(' '), a.address && [a.chain, a.address].filter(Boolean).join(' '), a.wallet, a.handle],
    phone: [a.number, a.e164],
    online_identity: [a.handle && [a.platform, a.handle].filter(Boolean).join(': ')],
    vehicle: [a.plate, [a.colour, a.make, a.model].filter(Boolean).join(' ')],
  };
  for (const c of candidates[entity.kind] ?? [a.name]) if (str(c)) return str(c);
  return ENTITY_KIND_LABELS[entity.kind as EntityKind] ?? entity.kind;
}

/** The short form of a long name, for the picture (the full name is in its tooltip and list). */
export const shorten = (text: string, max = 24) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function releasableWords(handling: IntelEntity['handling']): string {
  return handling.releasableTo === 'team' || handling.releasableTo == null ? 'the whole team' : handling.releasableTo.join(', ');
}

/** The link's other end as seen from `entityId`, and its direction. */
export function otherEnd(link: Pick<IntelLink, 'from' | 'to'>, entityId: string): { id: string; outgoing: boolean } {
  return link.from === entityId ? { id: link.to, outgoing: true } : { id: link.from, outgoing: false };
}

/**
 * The API's 400 issues by field (`attributes.number`, `handling.releasableTo`…), for messages next
 * to the inputs; whatever names no field the form knows stays for the form's error box.
 */
export function fieldErrors(error: unknown, fields: readonly string[]): { byField: Record<string, string>; rest: unknown } {
  if (!(error instanceof ApiError)) return { byField: {}, rest: error };
  const issues = (error.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
  const byField: Record<string, string> = {};
  const unplaced: { path: string; message: string }[] = [];
  for (const issue of issues ?? []) {
    const path = issue.path.replace(/^body\.?/, '');
    const field = fields.find((f) => path === f || path.startsWith(`${f}.`));
    if (field) byField[field] = byField[field] ? `${byField[field]}; ${issue.message}` : issue.message;
    else unplaced.push(issue);
  }
  // A 4xx about one field without zod issues (a malformed identifier, a country outside the team)
  // names it in details.field.
  const named = (error.details as { field?: string } | undefined)?.field;
  if (!issues && named) {
    const field = fields.find((f) => named === f || named.startsWith(`${f}.`));
    if (field) return { byField: { [field]: error.message }, rest: null };
  }
  if (issues && unplaced.length === 0) return { byField, rest: null };
  return { byField, rest: issues ? new ApiError(error.status, error.code, error.message, { issues: unplaced }) : error };
}

/** A record's handling code, from the whole record or the graph answer's short form. */
export const codeOf = (r: { handling?: Handling; handlingCode?: string }) => r.handling?.code ?? r.handlingCode ?? 'H0';
