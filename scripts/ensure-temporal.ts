/** `npm run setup:temporal`: builds (once) and caches the Temporal CLI, then prints where it is. */
import { ensureTemporalCli } from './lib/temporal-cli.js';

console.log(await ensureTemporalCli());
