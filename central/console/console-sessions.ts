import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A signed-in administrator: the session's CSRF token goes in every form that changes something. */
export interface ConsoleSession {
  readonly id: string;
  readonly csrf: string;
  readonly expiresAt: number;
}

export const SESSION_COOKIE = 'epq_console';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares two secrets so that neither their content nor their length leaks through timing. */
export function secretsMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Server-side sessions, in memory: a restart signs everyone out, which is the safe side. A
 * session lives `lifetimeMs` from sign-in; expired ones are dropped when met and at each sign-in.
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(private readonly lifetimeMs: number, private readonly now: () => number = Date.now) {}

  create(): ConsoleSession {
    this.dropExpired();
    const session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), expiresAt: this.now() + this.lifetimeMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session named by a Cookie header, if any. */
  fromCookie(cookieHeader: string | undefined): ConsoleSession | null {
    const id = readCookie(cookieHeader, SESSION_COOKIE);
    const session = id === null ? undefined : this.sessions.get(id);
    if (!session) return null;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(session.id);
      return null;
    }
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The Set-Cookie value of a session (HttpOnly, SameSite=Strict, Secure over TLS), or one that clears it. */
export function sessionCookie(session: ConsoleSession | null, secure: boolean): string {
  const flags = `Path=/console; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  if (!session) return `${SESSION_COOKIE}=; ${flags}; Max-Age=0`;
  return `${SESSION_COOKIE}=${session.id}; ${flags}; Max-Age=${Math.floor((session.expiresAt - Date.now()) / 1000)}`;
}
