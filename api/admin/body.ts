import { jsonBody } from '../edge.js';

/**
 * The panel's own JSON limits. The admin router is mounted before the app's 16 kB checkout parser:
 * product guides need more, and a key-import chunk (5000 lines of up to 500 characters) far more.
 * Bodies are parsed only after the session check, so strangers cannot make the server read 10 MB.
 */
export const ADMIN_BODY_LIMIT = '64kb';
export const IMPORT_BODY_LIMIT = '10mb';

export const adminJson = jsonBody(ADMIN_BODY_LIMIT);
export const importJson = jsonBody(IMPORT_BODY_LIMIT);
