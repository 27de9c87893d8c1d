// Safeguards: trafficking screening, protection claims, holds, consular notification, the custody
// clock (extension, release) and court orders for extradition. Each sends one update to the case's
// workflow, which applies the rules; the answer is the case as the store now shows it.
import { randomUUID } from 'node:crypto';
import {
  decideProtectionClaimUpdate,
  extendCustodyUpdate,
  liftHoldUpdate,
  recordConsularNoticeUpdate,
  recordCourtOrderUpdate,
  recordPersonLocatedUpdate,
  releaseCaseUpdate,
  screenCaseUpdate,
} from '../../workflows/definitions.js';
import type { Commands } from '../commands.js';
import { answersWithCase } from '../audit.js';
import { caseChangeResponses, errorResponses, route } from '../http.js';
import {
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
  LocatedBody,
  ProtectionClaimBody,
  ProtectionClaimOutcomeBody,
  ReasonBody,
  ScreeningBody,
} from '../schemas.js';

const iso = (value: string) => new Date(value).toISOString();
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

export function safeguardRoutes(commands: Commands) {
  const act = commands.changeCase;
  const answers = caseChangeResponses;
  /** A hold or claim placed under the caller's id: 201 the first time, 200 with the same hold for a repeat. */
  const placed = (created: string, repeated: string, schema: typeof HoldCreated | typeof ClaimCreated) => ({
    201: { description: created, schema },
    200: { description: repeated, schema },
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
      summary:
        'Record an asylum / non-refoulement claim: the case goes ON_HOLD and cannot be transferred until the claim is decided; a client-chosen id makes a repeat answer the same claim',
      tags: ['safeguards'],
      params: IdParams,
      body: ProtectionClaimBody,
      discloses: answersWithCase('answer to recording a protection claim'),
      responses: placed('the claim and the held case', 'a claim with this id was recorded before; it is answered unchanged', ClaimCreated),
      handler: async ({ actor, params, body }) => {
        const { created, holdId, case: held } = await commands.placeHold(actor, params.id, {
          id: body.id,
          kind: 'protection_claim',
          reason: body.grounds,
          until: null,
          lodgedAt: body.lodgedAt ? iso(body.lodgedAt) : null,
        });
        return { status: created ? 201 : 200, body: { claimId: holdId, case: held } };
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
      summary: 'Place a medical or legal hold (holding country): ON_HOLD until lifted; a client-chosen id makes a repeat answer the same hold',
      tags: ['safeguards'],
      params: IdParams,
      body: HoldBody,
      discloses: answersWithCase('answer to placing a hold'),
      responses: placed('the hold and the held case', 'a hold with this id was placed before; it is answered unchanged', HoldCreated),
      handler: async ({ actor, params, body }) => {
        const { created, holdId, case: held } = await commands.placeHold(actor, params.id, {
          id: body.id,
          kind: body.kind,
          reason: body.reason,
          until: body.until ? iso(body.until) : null,
          lodgedAt: null,
        });
        return { status: created ? 201 : 200, body: { holdId, case: held } };
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
      path: '/v1/cases/:id/located',
      summary: 'Record a MISSING person found and back in custody (holding country): who, when, where; the case returns to APPROVED',
      tags: ['safeguards'],
      params: IdParams,
      body: LocatedBody,
      discloses: answersWithCase('answer to recording a person located'),
      responses: answers('the case, back to approved'),
      handler: async ({ actor, params, body }) => ({
        status: 200,
        body: await act(params.id, recordPersonLocatedUpdate, { actor, ...body, locatedAt: iso(body.locatedAt) }),
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
