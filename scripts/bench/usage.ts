import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

export interface Usage {
  seconds: number;
  /** Whole machine, percent of all cores (other agents' load included). */
  machine: number;
  /** CPU seconds used: this process (API + worker + buyers + SMTP catcher), the Temporal server, and the PostgreSQL backends of the bench database. */
  bench: number;
  temporal?: number;
  postgres: number;
  /** Share of time the main event loop was busy: near 1 means this process is the bottleneck. */
  eventLoop: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function processTicks(pid: number): number | undefined {
  try {
    // fields after the command name; utime and stime are the 12th and 13th of them
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

const ticksOf = (pids: number[]) => new Map(pids.map((pid) => [pid, processTicks(pid) ?? 0]));

/**
 * Starts measuring CPU use; the returned function stops and reports it. Linux only (reads /proc).
 * `postgresPids` lists the bench database's backends (pg_stat_activity); a backend that appears
 * during the run counts from zero, one that disappears is lost, so warm the pools up first.
 */
export async function measureUsage(temporalPid: number | undefined, postgresPids: () => Promise<number[]>): Promise<() => Promise<Usage>> {
  const t0 = performance.now();
  const m0 = machineTicks();
  const c0 = process.cpuUsage();
  const s0 = temporalPid ? processTicks(temporalPid) : undefined;
  const p0 = ticksOf(await postgresPids());
  const e0 = performance.eventLoopUtilization();
  return async () => {
    const seconds = (performance.now() - t0) / 1000;
    const m1 = machineTicks();
    const c = process.cpuUsage(c0);
    const s1 = temporalPid ? processTicks(temporalPid) : undefined;
    let pgTicks = 0;
    for (const [pid, ticks] of ticksOf(await postgresPids())) pgTicks += ticks - (p0.get(pid) ?? 0);
    return {
      seconds,
      machine: (100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total),
      bench: (c.user + c.system) / 1e6,
      temporal: s0 !== undefined && s1 !== undefined ? (s1 - s0) / TICKS_PER_SECOND : undefined,
      postgres: pgTicks / TICKS_PER_SECOND,
      eventLoop: performance.eventLoopUtilization(e0).utilization,
    };
  };
}

export const CORES = cpus().length;
