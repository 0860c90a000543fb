import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { OutboundInput, OutboundKind, outboundWorkflow } from '../../workflows/outbound.js';
import type { Fanned } from './stream.js';

/**
 * A delivery's or notice's run, scoped by the events task queue: their ids are the database's serials,
 * so two Kamis on one Temporal namespace (two shops, or a database restored from a backup) would
 * otherwise find each other's `webhook-delivery:1` and skip their own as already started.
 */
export const outboundWorkflowId = (taskQueue: string, kind: OutboundKind, id: number) =>
  `${taskQueue}/${kind === 'webhook' ? 'webhook-delivery' : 'merchant-notice'}:${id}`;

/** How long a start may take before the caller gives up (the relay's re-kick starts it later). */
const CALL_MS = 5_000;

/**
 * Starts the runs that send webhooks and merchant notices (workflows/outbound.ts), on the events task
 * queue. A start is idempotent: a delivery whose run exists already is left to it.
 */
export function outboundRuns(temporal: Client, taskQueue: string, retry: OutboundInput['retry']) {
  const within = <T>(fn: () => Promise<T>) => temporal.connection.withDeadline(Date.now() + CALL_MS, fn);
  const start = (kind: OutboundKind, id: number, again: boolean) => within(() => temporal.workflow.start<typeof outboundWorkflow>('outboundWorkflow', {
    taskQueue, workflowId: outboundWorkflowId(taskQueue, kind, id), args: [{ kind, id, retry }],
    // a redelivery is a new run of a finished one; never a second one beside a run still trying
    workflowIdReusePolicy: again ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE', workflowIdConflictPolicy: 'FAIL',
  }));

  return {
    /** Starts a run for each new delivery and notice; one that has a run (or had one) is skipped. */
    async startAll(f: Fanned): Promise<void> {
      const all = [...f.webhooks.map((id) => ['webhook', id] as const), ...f.notices.map((id) => ['notice', id] as const)];
      await Promise.all(all.map(async ([kind, id]) => {
        try {
          await start(kind, id, false);
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }));
    },
    /** Sends a finished delivery again (the panel's redeliver); false while its run is still trying. */
    async redeliver(kind: OutboundKind, id: number): Promise<boolean> {
      try {
        await start(kind, id, true);
        return true;
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw err;
      }
    },
  };
}
export type OutboundRuns = ReturnType<typeof outboundRuns>;
