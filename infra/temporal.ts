import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from './logger.js';

/**
 * A client whose connection is made on first use (and made again by the SDK after the server
 * comes back), so a process starts, and answers "try again", while Temporal is away.
 */
export function createTemporalClient(address: string, namespace: string): Client {
  return new Client({ connection: Connection.lazy({ address }), namespace });
}

/** The worker's connection; while Temporal is unreachable it waits (backing off to 5 s) instead of exiting. */
export async function createWorkerConnection(address: string, log?: Logger): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (!log) throw err;
      const wait = Math.min(5000, 250 * 2 ** attempt);
      log.warn({ address, attempt, err: (err as Error).message }, `Temporal is not reachable; trying again in ${wait} ms`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
