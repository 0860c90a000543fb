import { defaultPayloadConverter, workflowInfo, type Headers, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/** The activity header that carries the id of the API request that started the run (its memo). */
export const REQUEST_ID_HEADER = 'kami-request-id';

/**
 * Hands the run's request id (memo `requestId`, set by infra/order-runs.ts at start) to every
 * activity and local activity it schedules, as a header: activity info has no memo, and the
 * worker's activity interceptor (activities/log.ts) binds it to the activity's log lines.
 * Deterministic and free: no command, no history event of its own; a run without it sends nothing.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  const withRequestId = (headers: Headers): Headers => {
    const requestId = workflowInfo().memo?.requestId;
    return typeof requestId === 'string' ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) } : headers;
  };
  return {
    outbound: [{
      scheduleActivity: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
      scheduleLocalActivity: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
    }],
  };
};
