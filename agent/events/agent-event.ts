/**
 * The agent's event vocabulary, after the alert events of the Central Quarantine guide. Every
 * component reports through an `EventSink`; the logger (winston) is one sink, tests another.
 */
export type AgentEventName =
  | 'agent started'
  | 'agent stopped'
  | 'quarantined'
  | 'quarantine failed'
  | 'restored'
  | 'restore failed'
  | 'deleted'
  | 'purged'
  | 'quarantine rescanned'
  | 'config reloaded'
  | 'exception added'
  | 'exception removed'
  | 'new certified definitions arrived'
  | 'new non-certified definitions arrived'
  | 'definitions installed'
  | 'definitions refused'
  | 'definitions rolled back'
  | 'unable to access definition directory'
  | 'unable to connect'
  | 'connection restored'
  | 'sample forwarded'
  | 'sample processing error'
  | 'disk quota remaining is low'
  | 'disk free space is less than quarantine max size'
  | 'scan error'
  | 'watch error';

export type EventSeverity = 'info' | 'warning' | 'error';

export interface AgentEvent {
  readonly name: AgentEventName;
  readonly severity: EventSeverity;
  /** One readable sentence naming the thing (path, sequence, URL). */
  readonly message: string;
  /** Machine-readable details (ids, paths, sequence numbers, reasons). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export type EventSink = (event: AgentEvent) => void;

/** A sink that drops events, for one-off CLI commands that report through their output. */
export const IGNORE_EVENTS: EventSink = () => {};
