/**
 * `npm run bundle:workflows`: builds the workflow bundle once, for production workers, so a worker
 * starts without webpack and every worker of a release runs byte-identical workflow code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PREBUILT_BUNDLE, WORKFLOW_INTERCEPTOR_MODULES } from '../worker/bundle-path.js';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

/** Bundles workflows/ into one file a worker loads with `workflowBundle: { codePath }`; returns its size in bytes. */
export async function writeWorkflowBundle(path = PREBUILT_BUNDLE): Promise<number> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)), workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quiet,
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, code);
  return code.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const size = await writeWorkflowBundle();
  console.log(`workflow bundle written to ${PREBUILT_BUNDLE} (${(size / 1024).toFixed(0)} KiB)`);
}
