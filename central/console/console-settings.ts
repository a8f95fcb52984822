import type { CentralDb } from '../central-database.js';

/** The alert events of the guide's Table 3-2 that this server can know about. */
export const ALERT_EVENTS: Readonly<Record<string, string>> = {
  'defcast-error': 'Defcast error: new definitions could not be distributed to target computers',
  'definitions-directory': 'Unable to access definition directory',
  'scanner-unavailable': 'Cannot scan samples at the Quarantine',
  'waiting-definitions': 'Waiting for needed definitions',
  'new-definitions': 'New certified definitions arrived',
  'quota-low': 'Disk quota remaining is low for the Quarantine folder',
  'disk-free-low': 'Disk free space is less than the Quarantine maximum size',
  'sample-error': 'Sample: processing error',
  'sample-attention': 'Sample: needs attention',
  'sample-held': 'Sample: held for manual submission',
  'too-long-distribute': 'Sample: too long without installing new definitions',
  'too-long-distributed': 'Sample: too long with Distributed status',
  'too-long-needed': 'Sample: too long with Needed status',
  'too-long-released': 'Sample: too long with Released status',
  'too-long-quarantined': 'Sample: too long with Quarantined status',
};

/** Settings the console edits (stored), as opposed to serve flags (shown read-only). */
export interface StoredSettings {
  /** The items view's auto-refresh interval in seconds; 0 = off. */
  readonly refreshSec: number;
  /** Names from `ALERT_EVENTS` that raise alerts. */
  readonly alerts: readonly string[];
}

/** Most seconds between two refreshes of the items view (a day). */
export const MAX_REFRESH_SEC = 86_400;

/** The console's stored settings (table `console_settings`, one JSON value per name). */
export class ConsoleSettings {
  private readonly stmts;

  constructor(db: CentralDb, private readonly defaults: StoredSettings) {
    this.stmts = {
      get: db.prepare('SELECT value FROM console_settings WHERE name = ?'),
      put: db.prepare('INSERT INTO console_settings (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };
  }

  read(): StoredSettings {
    const row = this.stmts.get.get('settings') as { value: string } | undefined;
    return row ? { ...this.defaults, ...(JSON.parse(row.value) as Partial<StoredSettings>) } : this.defaults;
  }

  /** Stores the settings; alert names not in `ALERT_EVENTS` are dropped, the interval is bounded. */
  write(settings: StoredSettings): void {
    const alerts = settings.alerts.filter((a) => a in ALERT_EVENTS);
    const refreshSec = Math.min(MAX_REFRESH_SEC, Math.max(0, Math.floor(settings.refreshSec)));
    this.stmts.put.run({ name: 'settings', value: JSON.stringify({ refreshSec, alerts }) });
  }
}

/** The General Errors history (Table 2-3): the server's own failures, newest first, bounded. */
export class ServerErrors {
  private readonly stmts;

  constructor(db: CentralDb, private readonly keep = 1000) {
    this.stmts = {
      add: db.prepare('INSERT INTO server_errors (at, word, message) VALUES (@at, @word, @message)'),
      trim: db.prepare('DELETE FROM server_errors WHERE seq <= (SELECT max(seq) FROM server_errors) - @keep'),
      list: db.prepare('SELECT at, word, message FROM server_errors ORDER BY seq DESC LIMIT @limit'),
    };
  }

  record(word: string, message: string, at = new Date().toISOString()): void {
    this.stmts.add.run({ at, word, message });
    this.stmts.trim.run({ keep: this.keep });
  }

  list(limit = 200): { at: string; word: string; message: string }[] {
    return this.stmts.list.all({ limit }) as { at: string; word: string; message: string }[];
  }
}
