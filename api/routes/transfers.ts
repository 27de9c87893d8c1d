import { z } from 'zod';
import { getCaseScopes } from '../../db/case-detail.js';
import { countOpenTransfers, getTransferManifest, type TransferDetail as TransferRow } from '../../db/transfers.js';
import { limitsOrDefaults } from '../../lib/config.js';
import { legShown, projectLegs, seesAll, viewStatus } from '../../lib/need-to-know.js';
import type { Actor, CaseStatus } from '../../workflows/definitions.js';
import { caseIdsInBoth } from '../../workflows/transfer-rules.js';
import type { AppDeps } from '../app.js';
import type { Commands } from '../commands.js';
import { answersWithTransfer, bulkRefusalEntries, recordAll } from '../audit.js';
import { HttpError } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { scopeCountry } from '../scope.js';
import { CreateTransferBody, DepartBody, HandoverBody, IdParams, TransferCreated, TransferDetail, TransferResults } from '../schemas.js';

const ManifestQuery = z.strictObject({ format: z.enum(['json', 'csv']).optional() });

const Manifest = TransferDetail.omit({ cases: true }).extend({
  generatedAt: z.string(),
  passengers: z.array(
    z.strictObject({
      caseId: z.string(),
      externalRef: z.string(),
      outcome: z.enum(['scheduled', 'departed', 'dropped', 'handed_over', 'failed']),
      status: z.string(),
      nationality: z.string().nullable(),
      fullName: z.string().nullable(),
      dateOfBirth: z.string().nullable(),
      sex: z.string().nullable(),
      documents: z.array(z.strictObject({ type: z.string(), number: z.string(), issuingCountry: z.string() })),
    }),
  ),
});

/** A CSV cell: quoted, and never read as a formula by a spreadsheet. */
function cell(value: string | null): string {
  const text = value ?? '';
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

function manifestCsv(passengers: Awaited<ReturnType<typeof getTransferManifest>>): string {
  const header = ['caseId', 'externalRef', 'fullName', 'dateOfBirth', 'sex', 'nationality', 'documentType', 'documentNumber', 'documentIssuingCountry', 'outcome', 'status'];
  const rows = passengers.flatMap((p) =>
    (p.documents.length > 0 ? p.documents : [null]).map((d) =>
      [p.caseId, p.externalRef, p.fullName, p.dateOfBirth, p.sex, p.nationality, d?.type ?? null, d?.number ?? null, d?.issuingCountry ?? null, p.outcome, p.status]
        .map(cell)
        .join(','),
    ),
  );
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}

/** Per-case results with each status as the caller may see it. */
function shownResults<R extends { status?: CaseStatus }>(actor: Actor, transfer: TransferRow, results: R[]) {
  const full = seesAll(scopeCountry(actor), transfer.holdingCountry);
  return results.map((r) => (r.status ? { ...r, status: viewStatus(r.status, full) } : r));
}

export function transferRoutes({ db, audit, protect, limits }: AppDeps, commands: Commands) {
  const { openTransfersPerOfficer } = limitsOrDefaults(limits);
  return [
    route({
      method: 'post',
      path: '/v1/transfers',
      summary: 'Schedule a transfer batch (officer of the holding country); cases are accepted up to capacity; a client-chosen transferId makes a repeat fill the same batch',
      tags: ['transfers'],
      body: CreateTransferBody,
      responses: { 201: { description: 'the batch, with per-case acceptance', schema: TransferCreated }, ...errorResponses(400, 401, 403, 409, 413, 503) },
      handler: async ({ actor, body }) => {
        if (body.destinationCountry === actor.country) {
          throw new HttpError(400, 'INVALID_INPUT', 'a transfer goes from the holding country to another country');
        }
        const created = await commands.scheduleTransfer(
          actor,
          {
            transferId: body.transferId,
            holdingCountry: actor.country,
            destinationCountry: body.destinationCountry,
            mode: body.mode,
            from: body.from,
            to: body.to,
            scheduledAt: new Date(body.scheduledAt).toISOString(),
            capacity: body.capacity,
            createdBy: actor,
            createdAt: new Date().toISOString(),
          },
          body.caseIds,
          async () => {
            // Opening a batch counts against the officer's cap.
            if ((await countOpenTransfers(db, actor.country, actor.sub)) >= openTransfersPerOfficer) {
              throw new HttpError(
                409,
                'TOO_MANY_OPEN_TRANSFERS',
                `an officer may have ${openTransfersPerOfficer} transfers scheduled and not departed; depart or fill those first`,
                { limit: openTransfersPerOfficer },
              );
            }
          },
        );
        const refused = created.cases.filter((c) => !c.accepted && (c.error?.code === 'NOT_FOUND' || c.error?.code === 'FORBIDDEN'));
        if (refused.length > 0) {
          const rows = await getCaseScopes(
            db,
            refused.map((c) => c.caseId),
          );
          const refusals = refused.map((c) => ({
            caseId: c.caseId,
            row: rows.get(c.caseId.toLowerCase()),
            status: c.error!.code === 'NOT_FOUND' ? 404 : 403,
            code: c.error!.code,
          }));
          await recordAll(audit, bulkRefusalEntries(actor, 'POST /v1/transfers', refusals));
        }
        // A batch no case could join was closed by its workflow: nothing is left scheduled.
        if (created.status === 'COMPLETED' && !created.cases.some((c) => c.accepted)) {
          throw new HttpError(409, 'NO_CASE_ACCEPTED', 'no case could be put on this transfer; the batch was closed', { transferId: created.transferId, cases: created.cases });
        }
        return { status: 201, body: created };
      },
    }),
    route({
      method: 'get',
      path: '/v1/transfers/:id',
      summary: 'A transfer batch and its cases (their references and statuses); a logged read',
      tags: ['transfers'],
      purpose: true,
      params: IdParams,
      discloses: answersWithTransfer('reading a transfer batch'),
      responses: { 200: { description: 'the batch', schema: TransferDetail }, ...errorResponses(400, 401, 404, 503) },
      handler: async ({ actor, transfer }) => ({
        status: 200,
        body: { ...transfer, cases: projectLegs(transfer.cases, scopeCountry(actor), transfer.holdingCountry) },
      }),
    }),
    route({
      method: 'get',
      path: '/v1/transfers/:id/manifest',
      summary: 'The passenger manifest of a batch (JSON, or CSV with ?format=csv or Accept: text/csv); a logged export of personal data',
      tags: ['transfers'],
      purpose: true,
      params: IdParams,
      query: ManifestQuery,
      responses: {
        200: { description: 'the manifest', schema: Manifest, alternatives: { 'text/csv': 'one row per person and document, RFC 4180' } },
        ...errorResponses(503),
      },
      handler: async ({ actor, transfer, query, purpose, req }) => {
        const passengers = await getTransferManifest(db, transfer.transferId, protect, scopeCountry(actor));
        const csv = query.format === 'csv' || (query.format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
        await audit.record({
          at: new Date().toISOString(),
          actor,
          action: 'transfer.manifest',
          objectType: 'case',
          objectIds: passengers.map((p) => p.caseId),
          outcome: 'ok',
          purpose,
          recipientCountry: actor.country !== transfer.holdingCountry ? actor.country : null,
          // Naming people the destination may not see on the batch, the entry is the holding country's alone.
          scopeCountries: passengers.every((p) => legShown(p, false)) ? [transfer.holdingCountry, transfer.destinationCountry] : [transfer.holdingCountry],
          details: { transferId: transfer.transferId, format: csv ? 'csv' : 'json', passengers: passengers.length },
        });
        const { cases: _legs, ...batch } = transfer;
        if (csv) {
          return {
            status: 200,
            body: null,
            headers: { 'Content-Disposition': `attachment; filename="manifest-${transfer.transferId}.csv"` },
            raw: { contentType: 'text/csv; charset=utf-8', text: manifestCsv(passengers) },
          };
        }
        return { status: 200, body: { ...batch, generatedAt: new Date().toISOString(), passengers } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/transfers/:id/depart',
      summary: 'Confirm departure (officer of the holding country): its cases go IN_TRANSFER',
      tags: ['transfers'],
      params: IdParams,
      body: DepartBody,
      responses: { 200: { description: 'per-case results', schema: TransferResults }, ...errorResponses(400, 401, 403, 404, 409, 413, 503) },
      handler: async ({ actor, transfer }) => ({ status: 200, body: await commands.depart(actor, transfer) }),
    }),
    route({
      method: 'post',
      path: '/v1/transfers/:id/handover',
      summary: 'Confirm handover (officer of the destination country); people reported missing go MISSING until the holding country records them located',
      tags: ['transfers'],
      params: IdParams,
      body: HandoverBody,
      responses: { 200: { description: 'per-case results', schema: TransferResults }, ...errorResponses(400, 401, 403, 404, 409, 413, 503) },
      handler: async ({ actor, body, transfer }) => {
        const both = caseIdsInBoth(body.receivedCaseIds, body.missingCaseIds);
        if (both.length > 0) throw new HttpError(400, 'INVALID_INPUT', 'a case cannot be both received and missing', { caseIds: both });
        const result = await commands.handover(actor, transfer, body.receivedCaseIds, body.missingCaseIds);
        return { status: 200, body: { ...result, results: shownResults(actor, transfer, result.results) } };
      },
    }),
  ];
}
