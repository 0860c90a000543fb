import { defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { activityLog, withLogFields } from '../activities/log.js';
import type { Logger } from '../infra/logger.js';
import { REQUEST_ID_HEADER } from '../workflows/interceptors.js';

const ORDER_WORKFLOW = /^order:(.+)$/;

/**
 * The worker's activity interceptor: reads the request id the workflow put in the activity's
 * headers (workflows/interceptors.ts) and binds it, with the order id, workflow id, activity type
 * and attempt, to the activity's log lines (activities/log.ts activityLog) and to the SDK's own
 * (Context.current().log, "Activity failed"). Writes each activity's end at debug level.
 */
export const activityLogging = (log: Logger): ActivityInterceptorsFactory => ({ info }) => {
  const workflowId = info.workflowExecution?.workflowId;
  const fields: Record<string, unknown> = {
    orderId: workflowId && ORDER_WORKFLOW.exec(workflowId)?.[1],
    workflowId,
    activityType: info.activityType,
    attempt: info.attempt,
  };
  return {
    inbound: {
      execute(input, next) {
        const header = input.headers[REQUEST_ID_HEADER];
        const requestId = header ? defaultPayloadConverter.fromPayload<unknown>(header) : undefined;
        // a label, never trusted: whoever starts a run chooses its memo
        if (typeof requestId === 'string') fields.requestId = requestId.slice(0, 64);
        const started = performance.now();
        return withLogFields(fields, async () => {
          try {
            const result = await next(input);
            activityLog(log).debug({ durationMs: Math.round(performance.now() - started) }, 'activity completed');
            return result;
          } catch (err) {
            activityLog(log).debug({ durationMs: Math.round(performance.now() - started), err: (err as Error)?.message }, 'activity failed');
            throw err;
          }
        });
      },
    },
    outbound: {
      getLogAttributes: (attrs, next) => next({ ...attrs, ...fields }),
    },
  };
};
