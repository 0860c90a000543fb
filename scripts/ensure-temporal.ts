/** `npm run setup:temporal`: downloads (or, failing that, builds) and caches the Temporal CLI once, then prints where it is. */
import { ensureTemporalCli } from './lib/temporal-cli.js';

console.log(await ensureTemporalCli());
