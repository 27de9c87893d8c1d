// A rule's refusal (case-rules.ts, transfer-rules.ts) as the failure an update's caller receives.
import { ApplicationFailure } from '@temporalio/workflow';
import { Refusal } from './case-rules.js';

/** Runs a check; its refusal becomes a non-retryable ApplicationFailure of the refusal's type. */
export function asFailure<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof Refusal) throw ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: true });
    throw err;
  }
}
