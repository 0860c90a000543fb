import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { orderWorkflowId } from '../../domain/ids.js';
import { percentiles, type Percentiles } from './stats.js';

const E = proto.temporal.api.enums.v1.EventType; // a CommonJS module: named value imports fail under ESM
type Event = temporal.api.history.v1.IHistoryEvent;

/** What Temporal did for an order, read from workflow histories (server timestamps). */
export interface HistoryBreakdown {
  sampled: number;
  eventsPerOrder: number;
  /** WorkflowTaskCompleted events per order. */
  workflowTasksPerOrder: number;
  /** WorkflowTaskCompleted events after the event that brought the payment in (a signal or an update whose name mentions pay). */
  workflowTasksAfterPayment: number;
  /** Orders whose history shows no payment event (then they count no task after payment). */
  withoutPaymentEvent: number;
  activityTasksPerOrder: number;
  /** Event types per order, most frequent first. */
  eventTypes: { type: string; perOrder: number }[];
  /** Workflow task scheduled → started: queueing in the server and for worker slots. */
  taskQueueWait: Percentiles;
  /** Workflow task started → completed: the worker's own time, local activities included. */
  taskRun: Percentiles;
  /** The payment's event → the first workflow task completed after it. */
  paymentToTaskCompleted: Percentiles;
}

const ms = (e: Event) => {
  const t = e.eventTime!;
  const seconds = typeof t.seconds === 'number' ? t.seconds : Number(t.seconds?.toString() ?? 0);
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
};

const isPayment = (e: Event) =>
  (e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && /pay/i.test(e.workflowExecutionSignaledEventAttributes?.signalName ?? ''))
  || (e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED && /pay/i.test(e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? ''))
  || (e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED && /pay/i.test(e.workflowExecutionUpdateAdmittedEventAttributes?.request?.input?.name ?? ''));

const typeName = (t: number | null | undefined) => (E[t ?? 0] ?? String(t)).replace(/^EVENT_TYPE_/, '');

/** Reads the histories of up to `sample` orders, spread evenly over the list. */
export async function historyBreakdown(client: Client, orderIds: string[], sample = 50): Promise<HistoryBreakdown> {
  const step = Math.max(1, Math.floor(orderIds.length / sample));
  const picked = orderIds.filter((_, i) => i % step === 0).slice(0, sample);
  const queue: number[] = [], run: number[] = [], toTask: number[] = [];
  let events = 0, tasks = 0, afterPayment = 0, withoutPayment = 0, activities = 0;
  const types = new Map<string, number>();
  for (const id of picked) {
    const history = await client.workflow.getHandle(orderWorkflowId(id)).fetchHistory();
    const ev = history.events ?? [];
    events += ev.length;
    const byId = new Map(ev.map((e) => [Number(e.eventId), e]));
    const paidAt = ev.findIndex(isPayment);
    if (paidAt < 0) withoutPayment++;
    let firstAfter: number | undefined;
    ev.forEach((e, i) => {
      types.set(typeName(e.eventType), (types.get(typeName(e.eventType)) ?? 0) + 1);
      if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
        const scheduled = byId.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (scheduled) queue.push(ms(e) - ms(scheduled));
      }
      if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        tasks++;
        if (paidAt >= 0 && i > paidAt) { afterPayment++; firstAfter ??= ms(e); }
        const started = byId.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId));
        if (started) run.push(ms(e) - ms(started));
      }
      if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) activities++;
    });
    if (paidAt >= 0 && firstAfter !== undefined) toTask.push(firstAfter - ms(ev[paidAt]!));
  }
  const n = Math.max(1, picked.length);
  return {
    sampled: picked.length,
    eventsPerOrder: events / n,
    workflowTasksPerOrder: tasks / n,
    workflowTasksAfterPayment: afterPayment / n,
    withoutPaymentEvent: withoutPayment,
    activityTasksPerOrder: activities / n,
    eventTypes: [...types].map(([type, c]) => ({ type, perOrder: c / n })).sort((a, b) => b.perOrder - a.perOrder),
    taskQueueWait: percentiles(queue),
    taskRun: percentiles(run),
    paymentToTaskCompleted: percentiles(toTask),
  };
}
