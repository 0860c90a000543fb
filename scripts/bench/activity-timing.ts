import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { percentiles, type Percentiles } from './stats.js';

export interface ActivityTiming { name: string; local: boolean; count: number; duration: Percentiles }

/**
 * A worker interceptor that times every activity execution (wall clock, in this process: waiting for
 * the event loop and the connection pool included), so the report can say which step is slow.
 */
export function activityTimer() {
  const samples = new Map<string, { local: boolean; ms: number[] }>();
  const interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        const started = performance.now();
        try {
          return await next(input);
        } finally {
          const { activityType, isLocal } = ctx.info;
          const entry = samples.get(activityType) ?? { local: isLocal, ms: [] };
          entry.ms.push(performance.now() - started);
          samples.set(activityType, entry);
        }
      },
    },
  });
  return {
    interceptor,
    /** Timings since the last reset, slowest median first; resets. */
    take(): ActivityTiming[] {
      const out = [...samples].map(([name, s]) => ({ name, local: s.local, count: s.ms.length, duration: percentiles(s.ms) }));
      samples.clear();
      return out.sort((a, b) => b.duration.p50 - a.duration.p50);
    },
  };
}
