import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosOptions, FaultKind } from './options.js';
import type { ChaosStack } from './stack.js';

export interface PlannedFault { kind: FaultKind; atMs: number }

/** What happened: the fault began at `start`, was over at `end` (process started again / SMTP back / proxy open). */
export interface FaultRecord {
  n: number;
  kind: FaultKind;
  label: string;
  start: number;
  end?: number;
  /** The restarted process logged that it is up (worker, API). */
  ready?: number;
  /** Until then the dependency was surely away (Temporal: its restart began; SMTP, PostgreSQL: = end). */
  downUntil?: number;
  error?: string;
}

export const FAULT_LABELS: Record<FaultKind, string> = {
  worker: 'worker SIGKILL + restart',
  temporal: 'Temporal server killed + restarted',
  api: 'API SIGKILL + restart',
  smtp: 'SMTP down',
  pg: 'PostgreSQL cut (proxy)',
};

/** Seconds a fault takes at most, for keeping worker kills clear of the others' recovery. */
const span = (o: ChaosOptions, kind: FaultKind) =>
  kind === 'smtp' ? o.smtpDown : kind === 'pg' ? o.pgCut : kind === 'temporal' ? o.temporalDown + 5 : kind === 'api' ? o.apiDown + 3 : 3;

/**
 * The fault phase: Temporal at 25% of --duration, the API at 45%, SMTP at 60%, PostgreSQL at 85%; the
 * worker SIGKILLed every --worker-every seconds from 5% on (or once, at 10%), never within 5 s before
 * or 10 s after another fault, so each recovery is its own.
 */
export function planFaults(o: ChaosOptions): PlannedFault[] {
  const D = o.duration * 1000;
  const big = ([['temporal', 0.25], ['api', 0.45], ['smtp', 0.6], ['pg', 0.85]] as const)
    .filter(([k]) => o.faults.includes(k)).map(([kind, f]) => ({ kind: kind as FaultKind, atMs: Math.round(D * f) }));
  const plan: PlannedFault[] = [...big];
  if (o.faults.includes('worker')) {
    const clear = (t: number) => big.every((b) => t < b.atMs - 5000 || t > b.atMs + (span(o, b.kind) + 10) * 1000);
    if (o.workerEvery > 0) {
      for (let t = Math.round(D * 0.05); t < D - 5000; t += o.workerEvery * 1000) if (clear(t)) plan.push({ kind: 'worker', atMs: t });
    } else {
      let t = Math.round(D * 0.1);
      while (!clear(t) && t < D - 3000) t += 1000;
      plan.push({ kind: 'worker', atMs: t });
    }
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

/** Runs the plan from t0; each fault runs to its end before the next is due (faults never overlap). */
export async function runFaults(stack: ChaosStack, o: ChaosOptions, plan: PlannedFault[], t0: number, records: FaultRecord[], signal: AbortSignal, say: (l: string) => void) {
  for (const f of plan) {
    const wait = t0 + f.atMs - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {});
    if (signal.aborted) return;
    const rec: FaultRecord = { n: records.length + 1, kind: f.kind, label: FAULT_LABELS[f.kind], start: Date.now() };
    records.push(rec);
    const at = `${((rec.start - t0) / 1000).toFixed(0)}s`;
    try {
      switch (f.kind) {
        case 'worker': {
          const pid = stack.worker.pid();
          await stack.worker.kill('SIGKILL');
          stack.worker.start();
          rec.end = Date.now();
          say(`  ⚡ ${at} worker pid ${pid} SIGKILLed, new worker pid ${stack.worker.pid()} started`);
          rec.ready = await stack.worker.readySince(60_000);
          break;
        }
        case 'api': {
          const pid = stack.api.pid();
          await stack.api.kill('SIGKILL');
          say(`  ⚡ ${at} API pid ${pid} SIGKILLed; down for ${o.apiDown}s`);
          await sleep(o.apiDown * 1000, undefined, { signal }).catch(() => {});
          stack.api.start();
          rec.end = Date.now();
          rec.ready = await stack.api.readySince(60_000);
          say(`  ✔ API started again (pid ${stack.api.pid()})${rec.ready ? `, listening after ${((rec.ready - rec.end) / 1000).toFixed(1)}s` : ''}`);
          break;
        }
        case 'temporal': {
          const pid = stack.temporal.pid();
          await stack.temporal.restart(o.temporalSignal, o.temporalDown * 1000,
            () => say(`  ⚡ ${at} Temporal server pid ${pid} ${o.temporalSignal === 'SIGKILL' ? 'SIGKILLed' : 'stopped (SIGTERM)'}; down for ${o.temporalDown}s`),
            () => { rec.downUntil = Date.now(); });
          rec.end = Date.now();
          say(`  ✔ Temporal server back on ${stack.temporal.address} (pid ${stack.temporal.pid()}, same SQLite file)`);
          break;
        }
        case 'smtp': {
          const s = await stack.mail.cut();
          say(`  ⚡ ${at} SMTP down for ${o.smtpDown}s (${s.open} open connections dropped; new ones refused)`);
          await sleep(o.smtpDown * 1000, undefined, { signal }).catch(() => {});
          await stack.mail.open();
          rec.end = Date.now();
          say('  ✔ SMTP back');
          break;
        }
        case 'pg': {
          const s = await stack.pgGate.cut();
          say(`  ⚡ ${at} PostgreSQL cut for ${o.pgCut}s (${s.open} proxied connections destroyed; new ones refused; the server itself keeps running)`);
          await sleep(o.pgCut * 1000, undefined, { signal }).catch(() => {});
          await stack.pgGate.open();
          rec.end = rec.downUntil = Date.now();
          say('  ✔ PostgreSQL proxy open again');
          break;
        }
      }
    } catch (err) {
      rec.error = (err as Error).message;
      rec.end ??= Date.now();
      say(`  ✖ ${rec.label} failed: ${rec.error}`);
    }
  }
}

/** The latest-begun fault (if any) whose window [start − leadMs, end + graceMs] holds `t`. */
export function faultAt(records: FaultRecord[], t: number, graceMs = 10_000, leadMs = 0): FaultRecord | undefined {
  return records.findLast((f) => t >= f.start - leadMs && t <= (f.end ?? Infinity) + graceMs);
}
