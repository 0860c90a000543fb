// Saves one finished workflow's event history as a replay fixture:
//   TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx scripts/capture-history.ts order:<orderId> v1-delivered
// writes test/replay/histories/v1-delivered.json, which test/replay/replay.test.ts replays against
// the current workflow code. The file has the same shape as `temporal workflow show --output json`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { loadConfig } from '../infra/config.js';
import { createTemporalClient } from '../infra/temporal.js';

export const HISTORIES_DIR = fileURLToPath(new URL('../test/replay/histories/', import.meta.url));

/** Fetches the history of `workflowId`'s latest run and writes it as `<name>.json`; returns the path. */
export async function captureHistory(client: Client, workflowId: string, name: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) throw new Error(`history name "${name}" must be a plain file name (letters, digits, . _ -)`);
  const handle = client.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  // an open run's history ends mid-way; replaying it proves less than a finished one
  if (status.name === 'RUNNING') throw new Error(`${workflowId} is still running; capture it once it has finished`);
  const path = `${HISTORIES_DIR}${name}.json`;
  writeFileSync(path, historyToJSON(await handle.fetchHistory()) + '\n');
  return path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [workflowId, name] = process.argv.slice(2);
  if (!workflowId || !name) {
    console.error('usage: tsx scripts/capture-history.ts <workflowId> <name>   (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE from the environment)');
    process.exit(2);
  }
  const config = loadConfig();
  const client = await createTemporalClient(config.temporalAddress, config.TEMPORAL_NAMESPACE, config.temporalTls);
  try {
    console.log(`wrote ${await captureHistory(client, workflowId, name)}`);
  } finally {
    await client.connection.close();
  }
}
