import { sql as quarantine } from './001-quarantine.js';
import { sql as forwardOutbox } from './002-forward-outbox.js';
import { sql as pathBytes } from './003-path-bytes.js';
import { sql as nanosecondTimes } from './004-nanosecond-times.js';

/**
 * Migrations in order; migration N brings the database to `user_version` N. Never edit a
 * published one: add the next number.
 */
export const MIGRATIONS: readonly string[] = [quarantine, forwardOutbox, pathBytes, nanosecondTimes];
