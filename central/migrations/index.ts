import { sql as samples } from './001-samples.js';
import { sql as console } from './002-console.js';

/**
 * The Central Quarantine database's migrations, in order (its own, separate from the agent's);
 * migration N brings it to `user_version` N. Never edit a published one: add the next number.
 */
export const CENTRAL_MIGRATIONS: readonly string[] = [samples, console];
