// The API's answers, typed from the same schemas that the API validates and documents.
import type { z } from 'zod';
import type { CaseDetail as CaseDetailSchema, CaseEventList, CaseList, CaseResults, ClaimCreated as ClaimCreatedSchema, HoldCreated as HoldCreatedSchema, Stats as StatsSchema, TransferDetail as TransferDetailSchema, TransferCreated as TransferCreatedSchema, TransferResults as TransferResultsSchema, Operation as OperationSchema } from '../../api/schemas.js';
import type { AuditPage as AuditPageSchema, Verification as VerificationSchema } from '../../api/routes/audit.js';
import type { StreamEvent as StreamEventSchema } from '../../api/routes/events.js';
import type { Me as MeSchema } from '../../api/routes/session.js';
import type { EntityDetail as EntityDetailSchema, EntityList as EntityListSchema, HitNoticeList as HitNoticeListSchema, ReleasedNotice as ReleasedNoticeSchema, IntelChange as IntelChangeSchema, IntelEntity as IntelEntitySchema, IntelLink as IntelLinkSchema, Team as TeamSchema, TeamDetail as TeamDetailSchema, TeamMember as TeamMemberSchema } from '../../api/intel-schemas.js';
import type { PendingDecisionList, Progress as ProgressSchema, TransferList as TransferListSchema } from '../../api/routes/worklists.js';

export type CaseDetail = z.output<typeof CaseDetailSchema>;
export type CaseSummary = z.output<typeof CaseList>['items'][number];
export type CasePage = z.output<typeof CaseList>;
export type CaseEvent = z.output<typeof CaseEventList>['items'][number];
export type CaseResult = z.output<typeof CaseResults>['results'][number];
export type Hold = CaseDetail['holds'][number];
export type Indicator = NonNullable<CaseDetail['screening']>['indicators'][number];
export type HoldCreated = z.output<typeof HoldCreatedSchema>;
export type ClaimCreated = z.output<typeof ClaimCreatedSchema>;
export type PendingDecision = z.output<typeof PendingDecisionList>['items'][number];
export type PendingPage = z.output<typeof PendingDecisionList>;
export type TransferDetail = z.output<typeof TransferDetailSchema>;
export type TransferCreated = z.output<typeof TransferCreatedSchema>;
export type TransferResults = z.output<typeof TransferResultsSchema>;
export type TransferPage = z.output<typeof TransferListSchema>;
export type ProgressRow = z.output<typeof ProgressSchema>['items'][number];
export type Stats = z.output<typeof StatsSchema>;
export type Funnel = Stats['funnel'];
export type StreamEvent = z.output<typeof StreamEventSchema>;
export type AuditPage = z.output<typeof AuditPageSchema>;
export type AuditEntry = AuditPage['items'][number];
export type Verification = z.output<typeof VerificationSchema>;
export type Me = z.output<typeof MeSchema>;
export type Operation = z.output<typeof OperationSchema>;
export type CaseStatus = CaseDetail['status'];
export type CaseEventType = CaseEvent['type'];
export type OverdueReason = CaseDetail['overdueReasons'][number];
export type IdentityMethod = NonNullable<CaseDetail['identity']>['method'];
export type Role = Me['role'];

// Teams and intelligence (DESIGN.md §6).
export type TeamMember = z.output<typeof TeamMemberSchema>;
/** A team as listed; one team's answer adds its members and counts. */
export type Team = z.output<typeof TeamSchema> & Partial<Pick<z.output<typeof TeamDetailSchema>, 'members' | 'counts'>>;
export type IntelEntity = z.output<typeof IntelEntitySchema>;
export type IntelLink = z.output<typeof IntelLinkSchema>;
export type EntityDetail = z.output<typeof EntityDetailSchema>;
export type EntityList = z.output<typeof EntityListSchema>;
export type HitNoticeList = z.output<typeof HitNoticeListSchema>;
export type HitNotice = HitNoticeList['items'][number];
export type ReleasedNotice = z.output<typeof ReleasedNoticeSchema>;
export type IntelChange = z.output<typeof IntelChangeSchema>;
export type Handling = IntelEntity['handling'];
export type Evaluation = IntelEntity['evaluation'];
/** A record in the graph answer: its name (`label`) and handling code, or the whole record. */
export interface GraphNode {
  id: string;
  kind: string;
  label?: string | null;
  attributes?: Record<string, unknown>;
  handlingCode?: string;
  handling?: Handling;
  evaluation?: Evaluation;
  originCountry?: string;
}
export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  type: string;
  handlingCode?: string;
  handling?: Handling;
  evaluation?: Evaluation;
  amount?: string | number | null;
  currency?: string | null;
}
export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated?: boolean;
}
