import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { orderWorkflowId } from '../../domain/ids.js';
import { percentiles, type Percentiles } from './stats.js';

const E = proto.temporal.api.enums.v1.EventType; // a CommonJS module: named value imports fail under ESM
type Event = temporal.api.history.v1.IHistoryEvent;

/** Where an order's time goes inside Temporal, read from workflow histories (server timestamps). */
export interface HistoryBreakdown {
  sampled: number;
  eventsPerOrder: number;
  workflowTasksPerOrder: number;
  /** Workflow task scheduled → picked up by the worker: queueing in the server and for worker slots. */
  taskQueueWait: Percentiles;
  /** Workflow task picked up → completed: the worker's own time, local activities included. */
  taskRun: Percentiles;
  /** paymentConfirmed signal recorded → completion of the workflow task that ran the local activities (markPaid … claimKeys). */
  signalToClaimed: Percentiles;
  /** The email activity: scheduled → started, and started → completed. */
  activityQueueWait: Percentiles;
  activityRun: Percentiles;
}

const ms = (e: Event) => {
  const t = e.eventTime!;
  const seconds = typeof t.seconds === 'number' ? t.seconds : Number(t.seconds?.toString() ?? 0);
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
};

/** Reads the histories of up to `sample` orders, spread over the run. */
export async function historyBreakdown(client: Client, orderIds: string[], sample = 50): Promise<HistoryBreakdown> {
  const step = Math.max(1, Math.floor(orderIds.length / sample));
  const picked = orderIds.filter((_, i) => i % step === 0).slice(0, sample);
  const queue: number[] = [], run: number[] = [], signal: number[] = [], actQueue: number[] = [], actRun: number[] = [];
  let events = 0, tasks = 0;
  for (const id of picked) {
    const history = await client.workflow.getHandle(orderWorkflowId(id)).fetchHistory();
    const ev = history.events ?? [];
    events += ev.length;
    const byId = new Map(ev.map((e) => [Number(e.eventId), e]));
    for (const e of ev) {
      if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
        tasks++;
        const scheduled = byId.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (scheduled) queue.push(ms(e) - ms(scheduled));
      }
      if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        const started = byId.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId));
        if (started) run.push(ms(e) - ms(started));
      }
      if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        const scheduled = byId.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
        if (scheduled) actQueue.push(ms(e) - ms(scheduled));
      }
      if (e.eventType === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        const started = byId.get(Number(e.activityTaskCompletedEventAttributes?.startedEventId));
        if (started) actRun.push(ms(e) - ms(started));
      }
    }
    // markPaid … claimKeys run as local activities; their markers follow the completion of the task that ran them
    let lastCompleted: number | undefined;
    const signalled = ev.findIndex((x) => x.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    for (const e of signalled < 0 ? [] : ev.slice(signalled + 1)) {
      if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) lastCompleted = ms(e);
      if (e.eventType === E.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
        if (lastCompleted !== undefined) signal.push(lastCompleted - ms(ev[signalled]!));
        break;
      }
    }
  }
  return {
    sampled: picked.length,
    eventsPerOrder: events / Math.max(1, picked.length),
    workflowTasksPerOrder: tasks / Math.max(1, picked.length),
    taskQueueWait: percentiles(queue),
    taskRun: percentiles(run),
    signalToClaimed: percentiles(signal),
    activityQueueWait: percentiles(actQueue),
    activityRun: percentiles(actRun),
  };
}
