import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalTls } from './config.js';
import type { Logger } from './logger.js';

/** mTLS options for both SDK connections, read from the configured PEM files (undefined: plain TCP). */
export function tlsOf(tls: TemporalTls | undefined): TLSConfig | undefined {
  if (!tls) return undefined;
  return {
    ...(tls.certPath && tls.keyPath ? { clientCertPair: { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } } : {}),
    ...(tls.caPath ? { serverRootCACertificate: readFileSync(tls.caPath) } : {}),
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
  };
}

/**
 * A client whose connection is made on first use (and made again by the SDK after the server
 * comes back), so a process starts, and answers "try again", while Temporal is away.
 */
export function createTemporalClient(address: string, namespace: string, tls?: TemporalTls): Client {
  return new Client({ connection: Connection.lazy({ address, tls: tlsOf(tls) }), namespace });
}

/** The worker's connection; while Temporal is unreachable it waits (backing off to 5 s) instead of exiting. */
export async function createWorkerConnection(address: string, log?: Logger, tls?: TemporalTls): Promise<NativeConnection> {
  const options = { address, tls: tlsOf(tls) };
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect(options);
    } catch (err) {
      if (!log) throw err;
      const wait = Math.min(5000, 250 * 2 ** attempt);
      log.warn({ address, attempt, err: (err as Error).message }, `Temporal is not reachable; trying again in ${wait} ms`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
