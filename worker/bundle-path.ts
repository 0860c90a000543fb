import { fileURLToPath } from 'node:url';

/** Where `npm run bundle:workflows` writes the production workflow bundle (inside the image, not the data folder). */
export const PREBUILT_BUNDLE = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));

/** Workflow interceptor modules, bundled with the workflows (a prebuilt bundle must include them: the worker cannot add them later). */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url))];
