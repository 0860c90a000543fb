/**
 * `npm run bundle:workflows`: builds the workflow bundle once, for production workers, so a worker
 * starts without webpack and every worker of a release runs byte-identical workflow code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PREBUILT_BUNDLE } from '../worker/bundle-path.js';

const { code } = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)) });
mkdirSync(dirname(PREBUILT_BUNDLE), { recursive: true });
writeFileSync(PREBUILT_BUNDLE, code);
console.log(`workflow bundle written to ${PREBUILT_BUNDLE} (${(code.length / 1024).toFixed(0)} KiB)`);
