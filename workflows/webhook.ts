// One workflow per webhook subscription (DESIGN §6 "Sharing channels"): it delivers the team's
// changes, as the subscriber's country may see them, one at a time in change-id order. The cursor
// lives in the store and moves only after the receiver's 2xx, so a worker killed mid-delivery
// sends that change again (at least once; the receiver deduplicates by the event id). A failing
// endpoint is retried by Temporal with exponential backoff up to the delivery limit; then the
// subscription pauses until a supervisor resumes it. Each subscription has its own workflow, so a
// dead endpoint holds up no one else.
import { ActivityFailure, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { webhookWakeSignal, type WebhookWorkflowInput } from './definitions.js';

export async function webhookSubscriptionWorkflow(input: WebhookWorkflowInput): Promise<{ state: 'deleted' }> {
  const { subscriptionId, timings } = input;
  const { deliverWebhooks } = proxyActivities<Activities>({
    // One round sends for a bounded time (activities/webhooks.ts WEBHOOK_ROUND_MS) with a short timeout per request.
    startToCloseTimeout: '2 minutes',
    // The round beats every 2 s: a worker killed mid-round hands it to another within seconds.
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: timings.initialRetryMs,
      backoffCoefficient: 2,
      maximumInterval: timings.maxRetryIntervalMs,
      maximumAttempts: timings.maxAttempts,
    },
  });
  const { pauseWebhookSubscription } = proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

  let woken = false;
  setHandler(webhookWakeSignal, () => {
    woken = true;
  });

  for (;;) {
    woken = false;
    let state: 'more' | 'idle' | 'paused' | 'deleted';
    try {
      ({ state } = await deliverWebhooks({ subscriptionId }));
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const reason = err.cause?.message ?? err.message;
      await pauseWebhookSubscription({ subscriptionId, reason: `delivery failed ${timings.maxAttempts} times: ${reason}` });
      state = 'paused';
    }
    if (state === 'deleted') return { state };
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof webhookSubscriptionWorkflow>(input);
    if (state === 'more') continue;
    // Idle or paused: a wake-up (a change written, a resume) or the slow poll starts the next round.
    await condition(() => woken, timings.pollIntervalMs);
  }
}
