import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger.js';

/** Routes the Temporal SDK's own logs through pino at `level` and above (default: warnings only). */
export function installTemporalRuntime(log: Logger, level: LogLevel = 'WARN') {
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const fn = entry.level === 'ERROR' ? log.error : entry.level === 'WARN' ? log.warn : log.info;
      fn.call(log, { ...entry.meta, sdk: true }, entry.message);
    }),
  });
}
