/**
 * What `epq status` and the tray's header show, and the health verdict (like `mdatp health`):
 * healthy, or attention with each reason. Built by the agent from what it really runs, or, when
 * no agent runs, from the state folder.
 */

export interface EndpointStatus {
  readonly running: boolean;
  readonly pid: number | null;
  readonly stateDir: string;
  readonly definitions: {
    readonly sequence: number;
    readonly created: string | null;
    readonly certified: boolean | null;
    /** When this endpoint switched to it; null for the built-in set or when unknown. */
    readonly switchedAt: string | null;
    readonly builtin: boolean;
  };
  readonly lastUpdateCheck: { readonly at: string; readonly result: string; readonly reason?: string } | null;
  readonly updateSource: string | null;
  readonly watched: readonly string[];
  /** Files waiting to be scanned (null when no agent runs). */
  readonly queued: number | null;
  readonly queueLimit: number;
  readonly quarantine: { readonly items: number; readonly bytes: number; readonly maxSize: number; readonly lowSpaceRatio: number };
  readonly forwarding: { readonly url: string | null; readonly backlog: number | null };
  readonly maxAgeMs: number;
}

export type Health = 'healthy' | 'attention' | 'unknown';

export interface Verdict {
  readonly health: Health;
  readonly reasons: readonly string[];
}

/** The verdict of a status: each reason for attention, in a fixed order. */
export function judgeHealth(s: EndpointStatus, now: number): Verdict {
  const reasons: string[] = [];
  if (!s.running) reasons.push('agent not running');
  const created = s.definitions.created === null ? NaN : Date.parse(s.definitions.created);
  if (Number.isNaN(created)) reasons.push('the creation date of the active definitions is unknown');
  else if (now - created > s.maxAgeMs) {
    reasons.push(`definitions are ${Math.floor((now - created) / 86_400_000)} day(s) old (definitions.maxAge is ${Math.round(s.maxAgeMs / 86_400_000 * 10) / 10} day(s))`);
  }
  const check = s.lastUpdateCheck;
  if (check && (check.result === 'refused' || check.result === 'unreachable')) reasons.push(`last update check failed: ${check.result}${check.reason ? ` (${check.reason})` : ''}`);
  if (s.forwarding.url !== null && s.forwarding.backlog !== null && s.forwarding.backlog > 0) reasons.push(`forwarding: ${s.forwarding.backlog} item(s) waiting to reach ${s.forwarding.url}`);
  if (s.quarantine.maxSize > 0 && s.quarantine.bytes >= s.quarantine.maxSize * s.quarantine.lowSpaceRatio) reasons.push('quarantine near its size limit');
  if (s.queued !== null && s.queued >= s.queueLimit) reasons.push('watch queue limit reached');
  return { health: reasons.length === 0 ? 'healthy' : 'attention', reasons };
}
