import { type Client, ScheduleAlreadyRunning } from '@temporalio/client';
import type { Config } from './config.js';

/** One schedule per task queue (so two Kamis on one cluster each sweep their own). */
export const sweepScheduleId = (taskQueue: string) => `kami-payment-sweep:${taskQueue}`;

/**
 * The reconciliation schedule: every KAMI_PAYMENT_SWEEP_EVERY a run asks the gateways about unpaid
 * attempts of the last 72 h. A Temporal Schedule, not a cron in the worker: one runs however many
 * workers there are, an overlapping run is skipped, and a missed one (all workers down) runs after.
 * Idempotent: an existing schedule is brought to the configured interval.
 */
export async function ensurePaymentSweep(temporal: Client, config: Config): Promise<void> {
  const scheduleId = sweepScheduleId(config.KAMI_TASK_QUEUE);
  const spec = { intervals: [{ every: config.KAMI_PAYMENT_SWEEP_EVERY }] };
  const action = {
    type: 'startWorkflow' as const, workflowType: 'paymentSweepWorkflow',
    taskQueue: config.KAMI_TASK_QUEUE, args: [],
  };
  try {
    await temporal.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1h' } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await temporal.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action }));
  }
}
