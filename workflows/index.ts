// Workflow bundle entry: every workflow the worker runs.
export { repatriationCaseWorkflow } from './case.js';
export { transferBatchWorkflow } from './transfer.js';
export { teamWorkflow } from './team.js';
export { releaseRequestWorkflow } from './release-request.js';
export { webhookSubscriptionWorkflow } from './webhook.js';
