import { fileURLToPath } from 'node:url';

/** Where `npm run bundle:workflows` writes the production workflow bundle (inside the image, not the data folder). */
export const PREBUILT_BUNDLE = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));
