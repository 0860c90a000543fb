import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger.js';

/**
 * Routes the Temporal SDK's own logs through pino at `level` and above (default: warnings only).
 * With `prometheusAddress` (host:port, loopback) the SDK core serves its metrics there in Prometheus
 * format (durations in seconds); the worker's metrics port passes them on (worker/main.ts).
 */
export function installTemporalRuntime(log: Logger, level: LogLevel = 'WARN', prometheusAddress?: string) {
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const fn = entry.level === 'ERROR' ? log.error : entry.level === 'WARN' ? log.warn : log.info;
      fn.call(log, { ...entry.meta, sdk: true }, entry.message);
    }),
    ...(prometheusAddress && {
      telemetryOptions: { metrics: { prometheus: { bindAddress: prometheusAddress, useSecondsForDurations: true } } },
    }),
  });
}
