import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const gateways = proxyActivities<Activities>({ startToCloseTimeout: '5m', retry: { maximumAttempts: 3 } });

/**
 * Started by the reconciliation schedule (infra/payment-sweep.ts): asks the gateways about the last
 * 72 h of attempts whose order closed unpaid, and wakes the runs of those that were paid after all.
 */
export async function paymentSweepWorkflow(): Promise<{ asked: number; found: number }> {
  return gateways.sweepUnpaidAttempts();
}
