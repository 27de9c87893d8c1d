// The HTTP contract of joint investigation teams and their intelligence (DESIGN §6) as zod schemas.
import { z } from 'zod';
import { CHAINS } from '../lib/identifiers.js';
import { PARTICIPATING_COUNTRIES } from '../workflows/definitions.js';
import { AnyCountry, CaseDetail, Country, Id, IsoDate, Page, Timestamp, optionalText, text } from './schemas.js';

export const TEAM_ROLES = ['investigator', 'analyst', 'liaison'] as const;
export const ENTITY_KINDS = ['person', 'organisation', 'location', 'account', 'phone', 'online_identity', 'vehicle'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];
export const LINK_TYPES = [
  'member_of',
  'leads',
  'recruited',
  'works_at',
  'held_at',
  'operates_from',
  'owns',
  'uses',
  'paid',
  'associated_with',
] as const;
export const HANDLING_CODES = ['H0', 'H1', 'H2', 'H3'] as const;
export const EVAL_SOURCES = ['A', 'B', 'C', 'X'] as const;
export const PERSON_ROLES = ['operative', 'organiser', 'recruiter', 'money_mule', 'victim', 'witness'] as const;
export const CASE_RELATIONS = ['is', 'found_at', 'associated_with'] as const;

/**
 * Record and team ids: lower-case letters, digits, dot, underscore, hyphen (a UUID is one). Ids in
 * paths are read in lower case, so ids are lower case everywhere.
 */
export const RecordId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'an id of lower-case letters, digits, ".", "_" and "-" (at most 100)');
/** An id in a path, however the caller cased it. */
const PathId = z.string().max(100).toLowerCase().pipe(RecordId);

export const TeamParams = z.strictObject({ id: PathId });
export const TeamMemberParams = z.strictObject({ id: PathId, sub: text(200) });
export const TeamEntityParams = z.strictObject({ id: PathId, eid: PathId });
export const TeamLinkParams = z.strictObject({ id: PathId, lid: PathId });

const Countries = z
  .array(Country)
  .min(1)
  .max(PARTICIPATING_COUNTRIES.length)
  .refine((list) => new Set(list).size === list.length, 'each country once')
  .meta({ uniqueItems: true });

// ---- teams ----

export const CreateTeamBody = z
  .strictObject({
    id: RecordId.optional().describe('an id chosen by the client: the same request sent again creates no second team'),
    name: text(200),
    leadCountry: Country,
    memberCountries: Countries.refine((l) => l.length >= 2, 'a joint team has two or more countries').meta({ minItems: 2 }),
    agreementRef: text(200).describe('the reference of the agreement setting the team up'),
    validFrom: IsoDate,
    validUntil: IsoDate,
    operationIds: z.array(Id).max(50).optional(),
  })
  .refine((b) => b.memberCountries.includes(b.leadCountry), { message: 'the lead country must be a member', path: ['memberCountries'] })
  .refine((b) => b.validFrom <= b.validUntil, { message: 'validUntil is on or after validFrom', path: ['validUntil'] })
  .meta({
    anyOf: PARTICIPATING_COUNTRIES.map((c) => ({
      properties: { leadCountry: { const: c }, memberCountries: { contains: { const: c } } },
    })),
  });

export const AddMemberBody = z.strictObject({
  sub: text(200).describe("the member's user id (the token's sub)"),
  name: text(200),
  country: Country,
  role: z.enum(TEAM_ROLES),
});

export const TeamMember = z.strictObject({
  sub: z.string(),
  name: z.string(),
  country: z.string(),
  role: z.string(),
  addedBy: z.string(),
  addedAt: Timestamp,
});

export const Team = z.strictObject({
  id: z.string(),
  name: z.string(),
  leadCountry: z.string(),
  memberCountries: z.array(z.string()),
  agreementRef: z.string(),
  validFrom: z.string(),
  validUntil: z.string(),
  expired: z.boolean().describe('past validUntil: the team is read-only'),
  expiredAt: Timestamp.nullable().describe("when the team's workflow recorded the expiry"),
  operationIds: z.array(z.string()),
  createdBy: z.string(),
  createdAt: Timestamp,
});
export const TeamDetail = Team.extend({
  members: z.array(TeamMember),
  counts: z.strictObject({ entities: z.number().int(), links: z.number().int() }).describe('the records the caller may see'),
});
export const TeamList = z.strictObject({ items: z.array(Team) });

// ---- handling and evaluation ----

export const Handling = z
  .strictObject({
    code: z.enum(HANDLING_CODES).describe('H0 any police use; H1 not as evidence without consent; H2 no further dissemination; H3 the conditions'),
    releasableTo: z.union([z.literal('team'), Countries]).describe('member countries that may see the record (the originator always does), or "team"'),
    conditions: optionalText(2000),
  })
  .refine((h) => h.code !== 'H3' || (h.conditions ?? '').length > 0, { message: 'H3 states its conditions', path: ['conditions'] })
  .meta({
    anyOf: [
      { properties: { code: { enum: ['H0', 'H1', 'H2'] } } },
      { required: ['conditions'], properties: { conditions: { type: 'string', minLength: 1, pattern: '\\S' } } },
    ],
  });
export type HandlingInput = z.output<typeof Handling>;

export const Evaluation = z.strictObject({
  source: z.enum(EVAL_SOURCES).describe('A reliable, B mostly reliable, C not reliable, X cannot be judged'),
  information: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).describe('1 known true … 4 cannot be judged'),
});

// ---- entity attributes, one schema per kind ----

const Name = text(300);
const Notes = optionalText(4000);
const Geo = z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });
/** The number is kept only as its keyed hash (attributes.documents[].numberHash), never in clear. */
const Document = z.strictObject({ type: text(40), number: text(64), issuingCountry: AnyCountry });

export const PersonAttributes = z.strictObject({
  name: Name,
  aliases: z.array(Name).max(20).optional(),
  role: z.enum(PERSON_ROLES),
  nationality: AnyCountry.optional(),
  dateOfBirth: IsoDate.optional(),
  documents: z.array(Document).max(20).optional(),
  notes: Notes,
});
export const OrganisationAttributes = z.strictObject({
  name: Name,
  type: z.enum(['syndicate', 'front_company', 'other']),
  aliases: z.array(Name).max(20).optional(),
  country: AnyCountry.optional(),
  notes: Notes,
});
export const LocationAttributes = z
  .strictObject({
    name: Name.optional(),
    type: z.enum(['compound', 'safehouse', 'crossing', 'other']),
    geo: Geo.optional(),
    address: text(500).optional(),
    country: AnyCountry.optional(),
    notes: Notes,
  })
  .refine((l) => l.geo !== undefined || l.address !== undefined, { message: 'a location has geo or an address', path: ['geo'] })
  .meta({ anyOf: [{ required: ['geo'] }, { required: ['address'] }] });
export const AccountAttributes = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bank'), bank: text(200), number: text(64), country: AnyCountry, holderName: Name.optional(), notes: Notes }),
  z.strictObject({
    type: z.literal('e_wallet'),
    provider: text(100),
    number: text(64).describe('the wallet number or phone it is registered to'),
    country: AnyCountry.optional(),
    holderName: Name.optional(),
    notes: Notes,
  }),
  z.strictObject({ type: z.literal('crypto'), chain: z.enum(CHAINS), address: text(120), notes: Notes }),
]);
export const PhoneAttributes = z.strictObject({
  number: text(40).describe('any written form; stored in E.164, a national number read in `country`'),
  country: AnyCountry.optional().describe('where a national number is read (default: the recording country)'),
  notes: Notes,
});
export const OnlineIdentityAttributes = z.strictObject({ platform: text(100), handle: text(200), displayName: Name.optional(), notes: Notes });
export const VehicleAttributes = z.strictObject({
  plate: text(20).optional(),
  country: AnyCountry.optional(),
  make: text(100).optional(),
  model: text(100).optional(),
  colour: text(50).optional(),
  notes: Notes,
});

export const ATTRIBUTES = {
  person: PersonAttributes,
  organisation: OrganisationAttributes,
  location: LocationAttributes,
  account: AccountAttributes,
  phone: PhoneAttributes,
  online_identity: OnlineIdentityAttributes,
  vehicle: VehicleAttributes,
} satisfies Record<EntityKind, z.ZodType>;

const recordFields = {
  id: RecordId.optional().describe('an id chosen by the client: the same request sent again records nothing twice'),
  handling: Handling,
  evaluation: Evaluation,
};

export const CreateEntityBody = z.discriminatedUnion(
  'kind',
  ENTITY_KINDS.map((kind) =>
    z.strictObject({ ...recordFields, kind: z.literal(kind), attributes: ATTRIBUTES[kind], caseId: Id.optional() }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);
export type CreateEntityInput = {
  id?: string;
  kind: EntityKind;
  attributes: Record<string, unknown>;
  handling: HandlingInput;
  evaluation: z.output<typeof Evaluation>;
  caseId?: string;
};

export const CreateLinkBody = z
  .strictObject({
    ...recordFields,
    from: RecordId,
    to: RecordId,
    type: z.enum(LINK_TYPES),
    since: IsoDate.optional(),
    until: IsoDate.optional(),
    amount: z.number().positive().max(1e15).optional(),
    currency: z.string().regex(/^[A-Z]{3,5}$/, 'an ISO 4217 code or a token symbol').optional(),
  })
  .refine((l) => l.from !== l.to, { message: 'a link joins two entities', path: ['to'] })
  .refine((l) => !l.since || !l.until || l.since <= l.until, { message: 'until is on or after since', path: ['until'] })
  .refine((l) => l.amount === undefined || l.currency !== undefined, { message: 'an amount has a currency', path: ['currency'] })
  .meta({ dependentRequired: { amount: ['currency'] } });

export type CreateLinkInput = z.output<typeof CreateLinkBody>;

export const ChangeHandlingBody = z.strictObject({ handling: Handling });

export const SearchQuery = z.strictObject({
  kind: z.enum(ENTITY_KINDS).optional(),
  q: z.string().max(200).optional().describe('a name in any script, an account number, a phone number, a wallet address, or attribute text'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

// ---- answers ----

const HandlingAnswer = z.strictObject({
  code: z.enum(HANDLING_CODES),
  releasableTo: z.union([z.literal('team'), z.array(z.string())]),
  conditions: z.string().nullable(),
});
const EvaluationAnswer = z.strictObject({ source: z.enum(EVAL_SOURCES), information: z.number().int() });
const recordAnswer = {
  id: z.string(),
  teamId: z.string(),
  originCountry: z.string(),
  createdBy: z.string(),
  handling: HandlingAnswer,
  evaluation: EvaluationAnswer,
  version: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const IntelEntity = z.strictObject({
  ...recordAnswer,
  kind: z.enum(ENTITY_KINDS),
  attributes: z.record(z.string(), z.unknown()),
  identifiers: z.array(z.strictObject({ kind: z.string(), value: z.string() })).describe('the normalised identifiers the record is found by'),
  caseId: z.string().nullable(),
});
export const CreatedEntity = IntelEntity.extend({
  partnerMatch: z
    .literal(true)
    .optional()
    .describe('hit/no-hit: the new record holds a document, phone, account or wallet of a record the caller may not see; its originator is told'),
});
export const IntelLink = z.strictObject({
  ...recordAnswer,
  from: z.string(),
  to: z.string(),
  type: z.enum(LINK_TYPES),
  since: z.string().nullable(),
  until: z.string().nullable(),
  amount: z.string().nullable().describe('a decimal string'),
  currency: z.string().nullable(),
});
export const EntityDetail = IntelEntity.extend({
  links: z.array(IntelLink).describe('the links of the entity the caller may see'),
  cases: z.array(z.strictObject({ caseId: z.string(), relation: z.string() })).describe('cases tied to the entity that the caller may see'),
});
export const EntityList = z.strictObject({
  teamId: z.string(),
  items: z.array(IntelEntity),
  total: z.number().int().describe('how many match, of what the caller may see'),
  partnerMatch: z
    .boolean()
    .describe('hit/no-hit: a record the caller may not see holds this phone, account, wallet or document number; its originator is told, and decides whether to share'),
});

export const IntelChange = z.strictObject({
  version: z.number().int(),
  actorSub: z.string(),
  actorCountry: z.string().nullable(),
  at: Timestamp,
  what: z.record(z.string(), z.unknown()),
});
export const ChangeHistory = z.strictObject({ items: z.array(IntelChange) });

export const CaseIntelLinkBody = z.strictObject({ teamId: RecordId, entityId: RecordId, relation: z.enum(CASE_RELATIONS) });
export const CaseIntelLink = z.strictObject({
  caseId: z.string(),
  teamId: z.string(),
  entityId: z.string(),
  kind: z.enum(ENTITY_KINDS),
  relation: z.string(),
  createdBy: z.string(),
  createdCountry: z.string(),
  createdAt: Timestamp,
});

/** GET /v1/cases/:id: the case with the intelligence it is tied to that the caller may see. */
export const CaseDetailWithIntel = CaseDetail.extend({
  intelLinks: z.array(CaseIntelLink).describe('entities of teams the caller is in, that the caller may see, tied to this case'),
});

// ---- release requests ----

export const TeamReleaseRequestParams = z.strictObject({ id: PathId, rid: PathId });

export const CreateReleaseRequestBody = z.strictObject({
  id: RecordId.optional().describe('chosen by the client so a repeat is answered, not duplicated'),
  identifier: z
    .strictObject({ kind: z.enum(['phone', 'account', 'wallet', 'document']), value: text(200) })
    .optional()
    .describe('the identifier a search answered with partnerMatch (hit/no-hit): the request goes to the originator of the hidden record'),
  recordId: RecordId.optional().describe('instead of identifier: a record the caller sees, to be released to a third member country'),
  recordKind: z.enum(['entity', 'link']).optional().describe('with recordId'),
  releaseTo: Country.optional().describe('with recordId: the member country the record is to be released to'),
  reason: text(2000).describe('why the requesting country needs the record'),
  deadlineDays: z.number().int().min(1).max(90).optional().describe('how long the originator has to decide (default 14 days); undecided, the request lapses'),
});

export const DecideReleaseRequestBody = z.strictObject({ decision: z.enum(['consent', 'refuse']) });

export const ReleaseRequestsQuery = z.strictObject({ pending: z.enum(['0', '1']).optional() });

export const ReleaseRequest = z.strictObject({
  id: z.string(),
  teamId: z.string(),
  status: z.enum(['pending', 'consented', 'refused', 'lapsed']),
  requesterCountry: z.string(),
  releaseTo: z.string(),
  originCountry: z.string(),
  reason: z.string(),
  deadlineAt: Timestamp,
  decidedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  record: z.strictObject({ kind: z.enum(['entity', 'link']), id: z.string() }).optional().describe('which record: shown to the originating country, admins, and a requester who sees it'),
});
export const ReleaseRequestList = z.strictObject({ items: z.array(ReleaseRequest) });

// ---- hit notices ----

export const TeamNoticeParams = z.strictObject({ id: PathId, nid: PathId });

export const NoticesQuery = Page;

export const HitNotice = z.strictObject({
  id: z.string(),
  teamId: z.string(),
  at: Timestamp.describe('when the other country searched or recorded the identifier'),
  searcherCountry: z.string().describe('the member country whose search or new record matched'),
  how: z.enum(['search', 'record']),
  identifierKinds: z.array(z.string()).describe('the kinds of identifier that matched: phone, account, wallet, document, ...'),
  entityId: z.string().describe("which of the caller's country's records matched"),
  record: IntelEntity.nullable().describe('the record as it stands now'),
  released: z.boolean().describe("the searcher's country sees the record now"),
});
export const HitNoticeList = z.strictObject({ items: z.array(HitNotice), nextCursor: z.string().nullable() });
export const ReleasedNotice = HitNotice.extend({
  releaseRequestId: z.string().nullable().describe('the release request the decision went through (null: the searcher saw the record already)'),
});
export const ReleaseNoticeBody = z.strictObject({}).optional();
