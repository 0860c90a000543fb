import { DefaultLogger, Runtime } from '@temporalio/worker';

// Temporal's SDK logs every worker state change at INFO and every failed activity attempt at WARN
// (tests fail SMTP on purpose); tests show errors only. Core's own warnings still reach stderr.
Runtime.install({ logger: new DefaultLogger('ERROR') });
