// The API's answers, typed from the same schemas that the API validates and documents.
import type { z } from 'zod';
import type { CaseDetail as CaseDetailSchema, CaseEventList, CaseList, CaseResults, ClaimCreated as ClaimCreatedSchema, HoldCreated as HoldCreatedSchema, Stats as StatsSchema, TransferDetail as TransferDetailSchema, TransferCreated as TransferCreatedSchema, TransferResults as TransferResultsSchema, Operation as OperationSchema } from '../../api/schemas.js';
import type { AuditPage as AuditPageSchema, Verification as VerificationSchema } from '../../api/routes/audit.js';
import type { StreamEvent as StreamEventSchema } from '../../api/routes/events.js';
import type { Me as MeSchema } from '../../api/routes/session.js';
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
export type Role = Me['role'];

// Teams and intelligence (DESIGN.md §6).
export interface Handling {
  code: 'H0' | 'H1' | 'H2' | 'H3';
  releasableTo: string[] | 'team';
  conditions?: string | null;
}
export interface Evaluation {
  source: 'A' | 'B' | 'C' | 'X';
  information: 1 | 2 | 3 | 4;
}
export interface TeamMember {
  sub: string;
  name: string;
  country: string;
  role: string;
  addedBy?: string;
  addedAt?: string;
}
export interface Team {
  id: string;
  name: string;
  leadCountry: string;
  memberCountries: string[];
  agreementRef: string;
  validFrom: string;
  validUntil: string;
  /** Past validUntil: the team is read-only. */
  expired?: boolean;
  members?: TeamMember[];
  operationIds?: string[];
  createdBy?: string;
  createdAt?: string;
}
export interface IntelRecord {
  id: string;
  teamId: string;
  handling: Handling;
  evaluation: Evaluation;
  originCountry: string;
  createdBy: string;
  version?: number;
  createdAt?: string;
  updatedAt?: string;
}
export interface IntelEntity extends IntelRecord {
  kind: string;
  attributes: Record<string, unknown>;
  caseId?: string | null;
  label?: string | null;
  identifiers?: { kind: string; value: string }[];
}
export interface IntelLink extends IntelRecord {
  from: string;
  to: string;
  type: string;
  since?: string | null;
  until?: string | null;
  amount?: string | number | null;
  currency?: string | null;
}
export interface IntelChange {
  version: number;
  actor?: string;
  actorSub?: string;
  actorCountry?: string;
  at: string;
  changes?: unknown;
  what?: unknown;
}
export interface CaseIntelLink {
  caseId: string;
  entityId: string;
  teamId: string;
  relation: string;
  createdAt?: string;
}
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
