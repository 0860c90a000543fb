import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

export const CORES = cpus().length;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 10 ms ticks
const PG_SAMPLE_MS = 1000;

/** A PostgreSQL backend of the bench database and the application_name its client connected with. */
export interface Backend { pid: number; app: string }

export interface CpuSources {
  /** The shop's own processes, by label (Kami: api and worker; the baseline: baseline). */
  shop: { label: string; pid: number }[];
  temporalPid?: number;
  /** The harness's children that are not a shop (mail sink, janitor); this process is always counted. */
  harnessChildren: number[];
  /** The bench database's backends right now (pg_stat_activity), and which application names belong to the shop and to the harness. */
  backends(): Promise<Backend[]>;
  shopApps: string[];
  harnessApps: string[];
}

/** CPU milliseconds spent over one measured window. */
export interface CpuSplit {
  seconds: number;
  /** Per shop process, by label (api, worker, baseline). */
  byProcess: Record<string, number>;
  /** Σ byProcess: Kami's processes (or the baseline's). */
  shop: number;
  temporal: number | null;
  /** Backends serving the shop's connections (by application_name). */
  postgres: number;
  /** This process (load generator, gateway, merchant), its mail-sink child, and the backends serving its own connections. */
  harness: number;
  /** Backends of the bench database that belong to nobody above (e.g. a psql someone opened). */
  postgresOther: number;
  /** Whole machine, percent of all cores (the other engineer's work included). */
  machineBusy: number;
  /** Share of the window this process's event loop was busy: near 1 would mean the load generator itself limits the run. */
  harnessEventLoop: number;
}

function processTicks(pid: number): number | undefined {
  try {
    // fields after the command name; utime and stime are the 12th and 13th of them (all threads, dead ones included)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Resident memory of a process in MiB (VmRSS), or undefined when it is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a measuring window; the returned function ends it. Process CPU comes from /proc/<pid>/stat
 * (utime + stime) deltas. PostgreSQL backends come and go with the connection pools, so they are
 * sampled every second: one present at the start counts from its value then, one that appears later
 * counts from zero (its start-up included), one that exits loses at most its last second.
 */
export async function startCpuWindow(src: CpuSources): Promise<() => Promise<CpuSplit>> {
  const t0 = performance.now();
  const m0 = machineTicks();
  const self0 = process.cpuUsage();
  const e0 = performance.eventLoopUtilization();
  const shop0 = src.shop.map((p) => processTicks(p.pid) ?? 0);
  const temporal0 = src.temporalPid ? processTicks(src.temporalPid) : undefined;
  const children0 = src.harnessChildren.map((pid) => processTicks(pid) ?? 0);
  const pg = new Map<number, { app: string; first: number; last: number }>();
  const samplePg = async (initial: boolean) => {
    for (const b of await src.backends()) {
      const ticks = processTicks(b.pid);
      if (ticks === undefined) continue;
      const seen = pg.get(b.pid);
      if (seen) seen.last = ticks;
      else pg.set(b.pid, { app: b.app, first: initial ? ticks : 0, last: ticks });
    }
  };
  await samplePg(true);
  let sampling = Promise.resolve();
  const timer = setInterval(() => { sampling = sampling.then(() => samplePg(false)).catch(() => {}); }, PG_SAMPLE_MS);

  return async () => {
    clearInterval(timer);
    await sampling;
    await samplePg(false);
    const seconds = (performance.now() - t0) / 1000;
    const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
    const byProcess: Record<string, number> = {};
    src.shop.forEach((p, i) => { byProcess[p.label] = ms((processTicks(p.pid) ?? shop0[i]!) - shop0[i]!); });
    const temporal1 = src.temporalPid ? processTicks(src.temporalPid) : undefined;
    let postgres = 0, harnessPg = 0, other = 0;
    for (const b of pg.values()) {
      const used = ms(b.last - b.first);
      if (src.shopApps.includes(b.app)) postgres += used;
      else if (src.harnessApps.includes(b.app)) harnessPg += used;
      else other += used;
    }
    const self = process.cpuUsage(self0);
    const children = src.harnessChildren.reduce((sum, pid, i) => sum + ms((processTicks(pid) ?? children0[i]!) - children0[i]!), 0);
    const m1 = machineTicks();
    return {
      seconds,
      byProcess,
      shop: Object.values(byProcess).reduce((a, b) => a + b, 0),
      temporal: temporal0 !== undefined && temporal1 !== undefined ? ms(temporal1 - temporal0) : null,
      postgres,
      harness: (self.user + self.system) / 1000 + children + harnessPg,
      postgresOther: other,
      machineBusy: (100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total),
      harnessEventLoop: performance.eventLoopUtilization(e0).utilization,
    };
  };
}
