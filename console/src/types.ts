// The API's answers, typed from the same schemas that the API validates and documents.
import type { z } from 'zod';
import type { CaseDetail as CaseDetailSchema, CaseEventList, CaseList, CaseResults, TransferDetail as TransferDetailSchema, TransferCreated as TransferCreatedSchema, TransferResults as TransferResultsSchema, Operation as OperationSchema } from '../../api/schemas.js';
import type { StreamEvent as StreamEventSchema } from '../../api/routes/events.js';
import type { Me as MeSchema } from '../../api/routes/session.js';
import type { PendingDecisionList, Progress as ProgressSchema, TransferList as TransferListSchema } from '../../api/routes/worklists.js';

export type CaseDetail = z.output<typeof CaseDetailSchema>;
export type CaseSummary = z.output<typeof CaseList>['items'][number];
export type CasePage = z.output<typeof CaseList>;
export type CaseEvent = z.output<typeof CaseEventList>['items'][number];
export type CaseResult = z.output<typeof CaseResults>['results'][number];
export type PendingDecision = z.output<typeof PendingDecisionList>['items'][number];
export type PendingPage = z.output<typeof PendingDecisionList>;
export type TransferDetail = z.output<typeof TransferDetailSchema>;
export type TransferCreated = z.output<typeof TransferCreatedSchema>;
export type TransferResults = z.output<typeof TransferResultsSchema>;
export type TransferPage = z.output<typeof TransferListSchema>;
export type ProgressRow = z.output<typeof ProgressSchema>['items'][number];
export type StreamEvent = z.output<typeof StreamEventSchema>;
export type Me = z.output<typeof MeSchema>;
export type Operation = z.output<typeof OperationSchema>;
export type CaseStatus = CaseDetail['status'];
export type Role = Me['role'];
