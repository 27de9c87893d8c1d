// Safeguards: trafficking screening, protection claims, holds, consular notification, the custody
// clock (extension, release) and court orders for extradition. Each sends one update to the case's
// workflow, which applies the rules; the answer is the case as the store now shows it.
import { randomUUID } from 'node:crypto';
import type { UpdateDefinition } from '@temporalio/common';
import {
  decideProtectionClaimUpdate,
  extendCustodyUpdate,
  liftHoldUpdate,
  placeHoldUpdate,
  recordConsularNoticeUpdate,
  recordCourtOrderUpdate,
  releaseCaseUpdate,
  screenCaseUpdate,
  type Actor,
  type CaseUpdateResult,
} from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import { answersWithCase } from '../audit.js';
import { errorResponses, route } from '../http.js';
import {
  CaseDetail,
  ClaimCreated,
  ClaimParams,
  ConsularNoticeBody,
  CourtOrderBody,
  CustodyExtensionBody,
  HoldBody,
  HoldCreated,
  HoldParams,
  IdParams,
  LiftHoldBody,
  ProtectionClaimBody,
  ProtectionClaimOutcomeBody,
  ReasonBody,
  ScreeningBody,
} from '../schemas.js';
import { classifyTemporalError } from '../../lib/temporal-errors.js';
import { caseDetail } from '../scope.js';

type StoredCase = Awaited<ReturnType<typeof caseDetail>>;

const iso = (value: string) => new Date(value).toISOString();

export function safeguardRoutes({ db, temporal, protect }: AppDeps) {
  /**
   * The update (the router has checked the caller's side of the case), then the case as stored.
   * `repeats`: whether the stored case shows this very step done. A step that closed the case
   * (diverted to PROTECTION, a claim upheld) ends its workflow, so a repeat of it (a client
   * retrying after a lost answer) is answered from the store, as the workflow answers a repeat on
   * an open case; anything else on a closed case stays CASE_CLOSED.
   */
  async function act<I extends { actor: Actor }>(
    caseId: string,
    update: UpdateDefinition<CaseUpdateResult, [I]>,
    input: I,
    repeats?: (stored: StoredCase) => boolean,
  ) {
    try {
      await temporal.updateCase(caseId, update, input);
    } catch (err) {
      if (!repeats || classifyTemporalError(err)?.kind !== 'closed') throw err;
      const stored = await caseDetail(db, caseId, protect, input.actor);
      if (!repeats(stored)) throw err;
      return stored;
    }
    return caseDetail(db, caseId, protect, input.actor);
  }
  const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
  const answers = (description: string) => ({
    200: { description, schema: CaseDetail },
    ...errorResponses(400, 401, 403, 404, 409, 413, 503),
  });

  return [
    route({
      method: 'post',
      path: '/v1/cases/:id/screening',
      summary: 'Record the trafficking screening (officer of the holding country); any indicator diverts the case to PROTECTION',
      tags: ['safeguards'],
      params: IdParams,
      body: ScreeningBody,
      discloses: answersWithCase('answer to recording a screening'),
      responses: answers('the case after screening'),
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: await act(
          params.id,
          screenCaseUpdate,
          {
            actor,
            indicators: body.indicators,
            notes: body.notes ?? null,
            protectionClaim: body.protectionClaim ?? null,
            claimId: body.protectionClaim ? randomUUID() : undefined,
          },
          (stored) => !!stored.screening && sameSet(stored.screening.indicators, body.indicators),
        ),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/protection-claims',
      summary: 'Record an asylum / non-refoulement claim: the case goes ON_HOLD and cannot be transferred until the claim is decided',
      tags: ['safeguards'],
      params: IdParams,
      body: ProtectionClaimBody,
      discloses: answersWithCase('answer to recording a protection claim'),
      responses: { 201: { description: 'the claim and the held case', schema: ClaimCreated }, ...errorResponses(400, 401, 403, 404, 409, 413, 503) },
      handler: async ({ actor, params, body }) => {
        const claimId = body.claimId ?? randomUUID();
        const held = await act(params.id, placeHoldUpdate, {
          actor,
          holdId: claimId,
          kind: 'protection_claim',
          reason: body.grounds,
          lodgedAt: body.lodgedAt ? iso(body.lodgedAt) : null,
        });
        return { status: 201, body: { claimId, case: held } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/protection-claims/:claimId/outcome',
      summary: 'Record the outcome of the legal review (supervisor of the holding country): upheld → PROTECTION, dismissed → back where it was',
      tags: ['safeguards'],
      params: ClaimParams,
      body: ProtectionClaimOutcomeBody,
      discloses: answersWithCase('answer to recording a protection claim outcome'),
      responses: answers('the case after the outcome'),
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: await act(params.id, decideProtectionClaimUpdate, { actor, claimId: params.claimId, ...body }, (stored) =>
          stored.holds.some((h) => h.holdId === params.claimId && h.kind === 'protection_claim' && h.outcome === body.outcome),
        ),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/holds',
      summary: 'Place a medical or legal hold (holding country): ON_HOLD until lifted',
      tags: ['safeguards'],
      params: IdParams,
      body: HoldBody,
      discloses: answersWithCase('answer to placing a hold'),
      responses: { 201: { description: 'the hold and the held case', schema: HoldCreated }, ...errorResponses(400, 401, 403, 404, 409, 413, 503) },
      handler: async ({ actor, params, body }) => {
        const holdId = body.holdId ?? randomUUID();
        const held = await act(params.id, placeHoldUpdate, {
          actor,
          holdId,
          kind: body.kind,
          reason: body.reason,
          until: body.until ? iso(body.until) : null,
        });
        return { status: 201, body: { holdId, case: held } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/holds/:holdId/lift',
      summary: 'Lift a medical or legal hold; the case returns to where it was when no hold remains',
      tags: ['safeguards'],
      params: HoldParams,
      body: LiftHoldBody,
      discloses: answersWithCase('answer to lifting a hold'),
      responses: answers('the case after the lift'),
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: await act(params.id, liftHoldUpdate, { actor, holdId: params.holdId, reason: body?.reason ?? null }),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/consular-notice',
      summary: 'Record that the destination consulate was notified (due within 24 hours of intake)',
      tags: ['safeguards'],
      params: IdParams,
      body: ConsularNoticeBody,
      discloses: answersWithCase('answer to recording a consular notice'),
      responses: answers('the case with its consular notice'),
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: await act(params.id, recordConsularNoticeUpdate, { actor, ...body, notifiedAt: iso(body.notifiedAt) }),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/custody-extension',
      summary: 'Extend the custody limit once, by up to 30 days, with a reason (supervisor of the holding country)',
      tags: ['safeguards'],
      params: IdParams,
      body: CustodyExtensionBody,
      discloses: answersWithCase('answer to extending custody'),
      responses: answers('the case with its new custody limit'),
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: await act(params.id, extendCustodyUpdate, { actor, ...body }),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/release',
      summary: 'Record release from custody (supervisor of the holding country): RELEASED',
      tags: ['safeguards'],
      params: IdParams,
      body: ReasonBody,
      discloses: answersWithCase('answer to recording a release'),
      responses: answers('the released case'),
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: await act(params.id, releaseCaseUpdate, { actor, reason: body.reason }),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/court-order',
      summary: 'Record the court order an extradition needs before its approval completes (holding country)',
      tags: ['safeguards'],
      params: IdParams,
      body: CourtOrderBody,
      discloses: answersWithCase('answer to recording a court order'),
      responses: answers('the case with its court order'),
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: await act(params.id, recordCourtOrderUpdate, { actor, ...body, issuedAt: iso(body.issuedAt) }),
      }),
    }),
  ];
}
