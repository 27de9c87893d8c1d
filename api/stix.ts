// STIX 2.1 (OASIS) for a team's intelligence (DESIGN §6): entities and links as STIX objects, the
// handling code as TLP 2.0 plus a statement marking carrying the code, releasableTo and conditions,
// and back. Pure mapping: the routes (api/routes/stix.ts) decide what is exported and how an import
// is recorded. Ids are UUIDv5 of the record id, so the same export twice has the same ids; a record
// imported from STIX keeps the STIX id (its record id `stix.<uuid>.<team>` carries it).
import { createHash } from 'node:crypto';
import type { EntityRow, LinkRow } from '../db/intel.js';
import type { CreateEntityInput, CreateLinkInput, EntityKind } from './intel-schemas.js';

export type StixObject = Record<string, unknown> & { type: string; id: string };

/** The repository's namespace for UUIDv5 ids of exported objects. */
const NAMESPACE = 'b9c3d6a1-52f4-4e0c-9a1e-4c3b7f0d2e61';

export function uuidv5(name: string, namespace = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- handling ↔ markings ----

/** TLP 2.0 marking definitions as OASIS published them (STIX 2.1 extension-definition--60a3c5c5-…). */
const TLP_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';
export const TLP = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
} as const;
type TlpLevel = keyof typeof TLP;
export const TLP_OF_HANDLING: Record<string, TlpLevel> = { H0: 'green', H1: 'amber', H2: 'amber+strict', H3: 'red' };
const HANDLING_OF_TLP: Record<TlpLevel, string> = { clear: 'H0', green: 'H0', amber: 'H1', 'amber+strict': 'H2', red: 'H3' };

const tlpMarking = (level: TlpLevel): StixObject => ({
  type: 'marking-definition',
  spec_version: '2.1',
  id: TLP[level],
  created: '2022-10-01T00:00:00.000Z',
  name: `TLP:${level.toUpperCase()}`,
  extensions: { [TLP_EXTENSION]: { extension_type: 'property-extension', tlp_2_0: level } },
});

const HANDLING_WORDS: Record<string, string> = {
  H0: 'any police use',
  H1: 'not to be used as evidence without the consent of the originator',
  H2: 'no dissemination beyond the recipients without the consent of the originator',
  H3: 'the stated conditions apply',
};

export interface StoredHandling {
  handlingCode: string;
  releasableTo: string[] | null;
  handlingConditions: string | null;
}

/** The statement marking of one handling: the code, who it is releasable to, the conditions. */
export function handlingMarking(h: StoredHandling): StixObject {
  const to = h.releasableTo === null ? 'team' : h.releasableTo.join(',');
  const statement = `${h.handlingCode}: ${HANDLING_WORDS[h.handlingCode]}; releasable to ${to === 'team' ? 'the whole team' : to}${h.handlingConditions ? `; conditions: ${h.handlingConditions}` : ''}`;
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: `marking-definition--${uuidv5(`handling:${h.handlingCode}:${to}:${h.handlingConditions ?? ''}`)}`,
    created: '2025-01-01T00:00:00.000Z',
    name: `${h.handlingCode} releasable to ${to}`,
    definition_type: 'statement',
    definition: { statement },
    x_repat_handling_code: h.handlingCode,
    x_repat_releasable_to: h.releasableTo === null ? 'team' : h.releasableTo,
    ...(h.handlingConditions ? { x_repat_conditions: h.handlingConditions } : {}),
  };
}

// ---- evaluation ----

/** The 4×4 information grade as STIX confidence (Appendix A's Admiralty scale); 4 (cannot be judged): none. */
const CONFIDENCE: Record<number, number | undefined> = { 1: 90, 2: 70, 3: 50, 4: undefined };
const informationOfConfidence = (c: number): 1 | 2 | 3 | 4 => (c >= 80 ? 1 : c >= 60 ? 2 : c >= 40 ? 3 : 4);

// ---- records → objects ----

const iso = (t: string | Date) => new Date(t).toISOString();
const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

/** A record imported from STIX: `stix.<uuid>.<12 hex of the team id>`, so each team has its own copy. */
const IMPORTED_ID = /^stix\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[0-9a-f]{12}$/;
export const importedRecordId = (stixId: string, teamId: string) =>
  `stix.${stixId.slice(stixId.indexOf('--') + 2)}.${createHash('sha256').update(teamId).digest('hex').slice(0, 12)}`;
const stixUuid = (recordId: string) => IMPORTED_ID.exec(recordId)?.[1] ?? uuidv5(`record:${recordId}`);

type Attrs = Record<string, unknown>;

/** The STIX type an entity is exported as. */
export function stixTypeOf(row: Pick<EntityRow, 'kind' | 'attributes'>): string {
  const a = row.attributes as Attrs;
  switch (row.kind as EntityKind) {
    case 'person':
      return 'identity';
    case 'organisation':
      return a.type === 'syndicate' ? 'intrusion-set' : 'identity';
    case 'location':
      return 'location';
    case 'account':
      return a.type === 'crypto' ? 'x-repat-crypto-wallet' : a.type === 'e_wallet' ? 'x-repat-e-wallet' : 'x-repat-bank-account';
    case 'phone':
      return 'x-repat-phone-number';
    case 'online_identity':
      return 'user-account';
    case 'vehicle':
      return 'x-repat-vehicle';
  }
}

export const stixIdOf = (row: Pick<EntityRow, 'id' | 'kind' | 'attributes'>) => `${stixTypeOf(row)}--${stixUuid(row.id)}`;
export const relationshipIdOf = (row: Pick<LinkRow, 'id'>) => `relationship--${stixUuid(row.id)}`;

/** The person's attributes that leave: never a document (its number's hash identifies the person). */
function entityProperties(row: EntityRow): Attrs {
  const a = row.attributes as Attrs;
  switch (row.kind as EntityKind) {
    case 'person':
      return {
        name: a.name,
        identity_class: 'individual',
        roles: [a.role],
        description: a.notes,
        x_repat_aliases: a.aliases,
        x_repat_nationality: a.nationality,
        x_repat_date_of_birth: a.dateOfBirth,
      };
    case 'organisation':
      return a.type === 'syndicate'
        ? { name: a.name, aliases: a.aliases, description: a.notes, x_repat_country: a.country }
        : {
            name: a.name,
            identity_class: 'organization',
            description: a.notes,
            x_repat_organisation_type: a.type,
            x_repat_aliases: a.aliases,
            x_repat_country: a.country,
          };
    case 'location': {
      const geo = a.geo as { lat: number; lon: number } | undefined;
      return {
        name: a.name,
        latitude: geo?.lat,
        longitude: geo?.lon,
        street_address: a.address,
        country: a.country,
        // STIX wants a country, a region or coordinates: an address alone is placed in the region.
        region: !geo && !a.country ? 'south-eastern-asia' : undefined,
        description: a.notes,
        x_repat_location_type: a.type,
      };
    }
    case 'account':
      return a.type === 'crypto'
        ? { chain: a.chain, address: a.address, x_repat_notes: a.notes }
        : a.type === 'e_wallet'
          ? { provider: a.provider, account_number: a.number, country: a.country, holder_name: a.holderName, x_repat_notes: a.notes }
          : { bank: a.bank, account_number: a.number, country: a.country, holder_name: a.holderName, x_repat_notes: a.notes };
    case 'phone':
      return { value: a.number, x_repat_notes: a.notes };
    case 'online_identity':
      return { account_login: a.handle, display_name: a.displayName, x_repat_platform: a.platform, x_repat_notes: a.notes };
    case 'vehicle':
      return { plate: a.plate, country: a.country, make: a.make, model: a.model, colour: a.colour, x_repat_notes: a.notes };
  }
}

const isObservable = (type: string) => type === 'user-account';

interface RecordCommon {
  originCountry: string;
  createdAt: string | Date;
  updatedAt: string | Date;
  evalSource: string;
  evalInformation: number;
}

function commonProperties(type: string, row: RecordCommon, markingRefs: string[]): Attrs {
  const evaluation = { x_repat_source_reliability: row.evalSource, x_repat_information_credibility: row.evalInformation, x_repat_origin_country: row.originCountry };
  if (isObservable(type)) return { spec_version: '2.1', object_marking_refs: markingRefs, ...evaluation };
  return {
    spec_version: '2.1',
    created: iso(row.createdAt),
    modified: iso(row.updatedAt),
    created_by_ref: agencyId(row.originCountry),
    confidence: CONFIDENCE[row.evalInformation],
    object_marking_refs: markingRefs,
    ...evaluation,
  };
}

/** The originating country's police, as the identity records are created by. */
export const agencyId = (country: string) => `identity--${uuidv5(`agency:${country}`)}`;
const agency = (country: string): StixObject => ({
  type: 'identity',
  spec_version: '2.1',
  id: agencyId(country),
  created: '2025-01-01T00:00:00.000Z',
  modified: '2025-01-01T00:00:00.000Z',
  name: `Police of ${country}`,
  identity_class: 'organization',
  sectors: ['government-national'],
  x_repat_agency_of: country,
});

const markingsOf = (row: StoredHandling) => [TLP[TLP_OF_HANDLING[row.handlingCode]], handlingMarking(row).id];

export function entityToStix(row: EntityRow): StixObject {
  const type = stixTypeOf(row);
  return compact({ type, id: stixIdOf(row), ...commonProperties(type, row, markingsOf(row)), ...entityProperties(row) }) as StixObject;
}

export function linkToStix(row: LinkRow, from: EntityRow, to: EntityRow): StixObject {
  return compact({
    type: 'relationship',
    id: relationshipIdOf(row),
    ...commonProperties('relationship', row, markingsOf(row)),
    relationship_type: row.type.replace(/_/g, '-'),
    source_ref: stixIdOf(from),
    target_ref: stixIdOf(to),
    start_time: row.since ? `${row.since}T00:00:00.000Z` : undefined,
    // A day is a span: the link held until the end of `until` (so start_time < stop_time on one day).
    stop_time: row.until ? `${row.until}T23:59:59.999Z` : undefined,
    x_repat_amount: row.amount ?? undefined,
    x_repat_currency: row.currency ?? undefined,
  }) as StixObject;
}

/** The bundle: the records, the markings they use, and the agencies that created them. */
export function toBundle(teamId: string, entities: EntityRow[], links: LinkRow[]): StixObject {
  const byId = new Map(entities.map((e) => [e.id, e]));
  const records = [...entities, ...links];
  const tlp = [...new Set(records.map((r) => TLP_OF_HANDLING[r.handlingCode]))].sort().map(tlpMarking);
  const handling = new Map(records.map((r) => handlingMarking(r)).map((m) => [m.id, m]));
  const agencies = [...new Set(records.map((r) => r.originCountry))].sort().map(agency);
  const objects = [
    ...tlp,
    ...[...handling.values()].sort((a, b) => a.id.localeCompare(b.id)),
    ...agencies,
    ...entities.map(entityToStix),
    ...links.map((l) => linkToStix(l, byId.get(l.fromId)!, byId.get(l.toId)!)),
  ];
  // The bundle's id follows from what it holds: the same export twice is the same bundle.
  const digest = createHash('sha256').update(JSON.stringify(objects)).digest('hex');
  return { type: 'bundle', id: `bundle--${uuidv5(`bundle:${teamId}:${digest}`)}`, objects };
}

// ---- objects → records ----

export class StixObjectError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Importable object types and the kind each becomes. */
const KIND_OF_TYPE: Record<string, EntityKind | undefined> = {
  'intrusion-set': 'organisation',
  location: 'location',
  'x-repat-bank-account': 'account',
  'x-repat-e-wallet': 'account',
  'x-repat-crypto-wallet': 'account',
  'x-repat-phone-number': 'phone',
  'user-account': 'online_identity',
  'x-repat-vehicle': 'vehicle',
};

/** What a bundle carries besides records: used, not imported. */
export const isSupportingObject = (o: StixObject) =>
  o.type === 'marking-definition' || o.type === 'extension-definition' || (o.type === 'identity' && typeof o.x_repat_agency_of === 'string');

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
const strings = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0 ? (v as string[]) : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

function attributesOf(o: StixObject): { kind: EntityKind; attributes: Attrs } {
  const kind: EntityKind | undefined =
    o.type === 'identity' ? (o.identity_class === 'individual' ? 'person' : o.identity_class === 'organization' ? 'organisation' : undefined) : KIND_OF_TYPE[o.type];
  if (!kind) throw new StixObjectError('UNSUPPORTED_OBJECT', `a ${o.type}${o.type === 'identity' ? ` of class ${String(o.identity_class)}` : ''} has no kind of entity here`);
  let attributes: Attrs;
  switch (kind) {
    case 'person':
      attributes = {
        name: o.name,
        role: strings(o.roles)?.[0],
        aliases: strings(o.x_repat_aliases),
        nationality: str(o.x_repat_nationality),
        dateOfBirth: str(o.x_repat_date_of_birth),
        notes: str(o.description),
      };
      break;
    case 'organisation':
      attributes = {
        name: o.name,
        type: o.type === 'intrusion-set' ? 'syndicate' : (str(o.x_repat_organisation_type) ?? 'front_company'),
        aliases: o.type === 'intrusion-set' ? strings(o.aliases) : strings(o.x_repat_aliases),
        country: str(o.x_repat_country),
        notes: str(o.description),
      };
      break;
    case 'location': {
      const lat = num(o.latitude);
      const lon = num(o.longitude);
      attributes = {
        name: str(o.name),
        type: str(o.x_repat_location_type) ?? 'other',
        geo: lat !== undefined && lon !== undefined ? { lat, lon } : undefined,
        address: str(o.street_address),
        country: str(o.country),
        notes: str(o.description),
      };
      break;
    }
    case 'account':
      attributes =
        o.type === 'x-repat-crypto-wallet'
          ? { type: 'crypto', chain: o.chain, address: o.address, notes: str(o.x_repat_notes) }
          : o.type === 'x-repat-e-wallet'
            ? { type: 'e_wallet', provider: o.provider, number: o.account_number, country: str(o.country), holderName: str(o.holder_name), notes: str(o.x_repat_notes) }
            : { type: 'bank', bank: o.bank, number: o.account_number, country: o.country, holderName: str(o.holder_name), notes: str(o.x_repat_notes) };
      break;
    case 'phone':
      attributes = { number: o.value, notes: str(o.x_repat_notes) };
      break;
    case 'online_identity':
      attributes = { platform: str(o.x_repat_platform) ?? str(o.account_type) ?? 'unknown', handle: o.account_login, displayName: str(o.display_name), notes: str(o.x_repat_notes) };
      break;
    case 'vehicle':
      attributes = { plate: str(o.plate), country: str(o.country), make: str(o.make), model: str(o.model), colour: str(o.colour), notes: str(o.x_repat_notes) };
      break;
  }
  return { kind, attributes: compact(attributes) };
}

/** The handling an object's markings give: our statement marking if present, else its TLP. */
/** Checked when the record's body is parsed (the contract's Handling). */
interface LooseHandling {
  code: string;
  releasableTo: unknown;
  conditions?: string;
}

function handlingOf(o: StixObject, markings: Map<string, StixObject>, importer: string): LooseHandling {
  const refs = strings(o.object_marking_refs) ?? [];
  const own = refs.map((r) => markings.get(r)).find((m) => m && typeof m.x_repat_handling_code === 'string');
  if (own) {
    return compact({
      code: own.x_repat_handling_code,
      releasableTo: own.x_repat_releasable_to,
      conditions: str(own.x_repat_conditions),
    }) as unknown as LooseHandling;
  }
  const level = (Object.keys(TLP) as TlpLevel[]).find((l) => refs.includes(TLP[l]));
  if (!level) throw new StixObjectError('NO_HANDLING', 'the object carries no TLP 2.0 marking and no handling marking');
  const code = HANDLING_OF_TLP[level];
  // TLP:AMBER+STRICT and TLP:RED stay with the importing country; TLP:RED's conditions are TLP's.
  return code === 'H3'
    ? { code: 'H3', releasableTo: [importer], conditions: 'TLP:RED: for the named recipients only' }
    : { code, releasableTo: code === 'H2' ? [importer] : 'team' };
}

function evaluationOf(o: StixObject): CreateEntityInput['evaluation'] {
  const source = str(o.x_repat_source_reliability);
  const information = num(o.x_repat_information_credibility);
  if (source !== undefined && information !== undefined) return { source, information } as CreateEntityInput['evaluation'];
  const confidence = num(o.confidence);
  return { source: 'X', information: confidence === undefined ? 4 : informationOfConfidence(confidence) };
}

/**
 * A record of another country (`x_repat_origin_country`) imported would be re-originated by the
 * importer, who could then widen its handling: so only what its originator released to the whole
 * team at H0 or H1 is taken. H2 and H3, a release naming countries, and a victim (shared only by a
 * release naming the country, as everywhere) stay with the originator: asked for by a release request.
 */
function refuseForeignRestricted(o: StixObject, handling: LooseHandling, importer: string, victim = false) {
  const origin = str(o.x_repat_origin_country);
  if (!origin || origin === importer) return;
  const why =
    handling.code === 'H2' || handling.code === 'H3'
      ? `${handling.code} of ${origin}: not disseminated further without the consent of the originator`
      : victim
        ? `a victim recorded by ${origin} is shared only by its originator`
        : handling.releasableTo !== 'team'
          ? `released by ${origin} to named countries only: a wider use needs the consent of the originator`
          : null;
  if (why) throw new StixObjectError('HANDLING_FORBIDS', why);
}

/** The body of POST /v1/teams/:id/entities the object makes (parsed by the caller). */
export function entityBodyOf(o: StixObject, markings: Map<string, StixObject>, importer: string, teamId: string): Record<string, unknown> {
  const { kind, attributes } = attributesOf(o);
  const handling = handlingOf(o, markings, importer);
  refuseForeignRestricted(o, handling, importer, kind === 'person' && attributes.role === 'victim');
  return { id: importedRecordId(o.id, teamId), kind, attributes, handling, evaluation: evaluationOf(o) };
}

export function linkBodyOf(
  o: StixObject,
  markings: Map<string, StixObject>,
  importer: string,
  teamId: string,
  recordOf: (stixId: string) => string | undefined,
): Record<string, unknown> {
  const handling = handlingOf(o, markings, importer);
  refuseForeignRestricted(o, handling, importer);
  const ends = { from: recordOf(String(o.source_ref)), to: recordOf(String(o.target_ref)) };
  for (const [end, id] of Object.entries(ends)) {
    if (!id) throw new StixObjectError('UNKNOWN_ENTITY', `the relationship's ${end === 'from' ? 'source_ref' : 'target_ref'} is no entity of this team or bundle`);
  }
  const day = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : undefined);
  const amount = o.x_repat_amount === undefined ? undefined : Number(o.x_repat_amount);
  return compact({
    id: importedRecordId(o.id, teamId),
    ...ends,
    type: typeof o.relationship_type === 'string' ? o.relationship_type.replace(/-/g, '_') : undefined,
    since: day(o.start_time),
    until: day(o.stop_time),
    amount,
    currency: str(o.x_repat_currency),
    handling,
    evaluation: evaluationOf(o),
  }) satisfies Partial<Record<keyof CreateLinkInput, unknown>>;
}
