// One workflow per release request (DESIGN §6: changing handling is the originator's alone): a
// member country asks the originator of a record to release it to them; the originator's supervisor
// consents or refuses through the decideReleaseRequest Update, or the request lapses at its deadline.
// On consent the outcome activity widens the record's handling (releasableTo gains the requester);
// on refusal or lapse nothing changes but the request's status.
import { ApplicationFailure, condition, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { FAILURE } from './case-rules.js';
import {
  decideReleaseRequestUpdate,
  type DecideReleaseRequestInput,
  type ReleaseRequestOutcome,
  type ReleaseRequestStatus,
  type ReleaseRequestWorkflowInput,
} from './definitions.js';

const { settleReleaseRequest } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

export async function releaseRequestWorkflow(input: ReleaseRequestWorkflowInput): Promise<{ status: ReleaseRequestStatus }> {
  let decision: DecideReleaseRequestInput | undefined;
  let status: ReleaseRequestStatus = 'pending';
  /** Set once the wait is over (decided or lapsed): later decisions are refused. */
  let closing = false;

  setHandler(
    decideReleaseRequestUpdate,
    async (asked) => {
      decision = asked;
      await condition(() => status !== 'pending');
      return { status };
    },
    {
      validator: ({ actor }) => {
        if (actor.role !== 'supervisor' || actor.country !== input.originCountry) {
          throw refuse(FAILURE.forbidden, `only a supervisor of the originating country (${input.originCountry}) decides a release request`);
        }
        if (decision !== undefined || closing) throw refuse(FAILURE.wrongStage, `the request is no longer pending (${status === 'pending' ? 'closing' : status})`);
      },
    },
  );

  const decided = await condition(() => decision !== undefined, Math.max(0, Date.parse(input.deadlineAt) - Date.now()));
  closing = true;
  const outcome: ReleaseRequestOutcome = {
    requestId: input.requestId,
    status: !decided ? 'lapsed' : decision!.decision === 'consent' ? 'consented' : 'refused',
    decidedBy: decided ? decision!.actor : null,
    at: new Date().toISOString(),
  };
  await settleReleaseRequest(outcome);
  status = outcome.status;
  return { status };
}
