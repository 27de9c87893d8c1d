// One workflow per joint investigation team: it waits out the team's validity and records the
// expiry in the team's history. The API refuses writes past validUntil on its own (it never waits
// on this workflow). A handling change that needs the originator's consent has its own workflow, one
// per request (workflows/release-request.ts).
import { proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { teamExpiresAt, type TeamWorkflowInput } from './definitions.js';

const { recordTeamExpiry } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function teamWorkflow(input: TeamWorkflowInput): Promise<{ expiredAt: string }> {
  const wait = teamExpiresAt(input.validUntil) - Date.now();
  if (wait > 0) await sleep(wait);
  const expiredAt = new Date().toISOString();
  await recordTeamExpiry({ teamId: input.teamId, at: expiredAt });
  return { expiredAt };
}
