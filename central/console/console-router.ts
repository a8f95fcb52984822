import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CentralQuarantine } from '../central-quarantine.js';
import { readSmallBody } from '../http-replies.js';
import { CONSOLE_SCRIPT, CONSOLE_STYLE } from './console-assets.js';
import { renderPage } from './console-layout.js';
import { contentDisposition, redirect, sendConsole, sendHtml } from './console-responses.js';
import { ConsoleSessions, secretsMatch, sessionCookie, type ConsoleSession } from './console-sessions.js';
import { ConsoleSettings, ServerErrors } from './console-settings.js';
import { html } from './html-escape.js';
import { parsePageRequest, renderItemsBody } from './items-page.js';
import { renderItemBody } from './item-page.js';
import { SamplePageQuery } from './sample-page-query.js';
import { renderServerBody, type ServerFacts } from './server-page.js';
import { runItemAction } from './item-actions.js';
import { SignInThrottle } from './sign-in-throttle.js';

export interface ConsoleOptions {
  /** The sign-in secret; null = the console is off. */
  readonly password: string | null;
  /** Default auto-refresh of the items view, seconds (0 = off), until one is stored. */
  readonly refreshSec: number;
  readonly sessionLifetimeMs: number;
  readonly secureCookie: boolean;
  readonly maxFormBytes: number;
  readonly facts: () => ServerFacts;
  readonly log: (line: string) => void;
}

/** Most ids one delete names (a page's worth and more). */
const MAX_DELETE_IDS = 1000;

/** The web console under `/console`: sign-in, items, an item's properties, server properties. */
export class ConsoleRouter {
  private readonly sessions: ConsoleSessions;
  private readonly throttle = new SignInThrottle(10, 60_000);
  private readonly pages: SamplePageQuery;
  readonly settings: ConsoleSettings;
  readonly errors: ServerErrors;

  constructor(private readonly central: CentralQuarantine, private readonly opts: ConsoleOptions) {
    this.sessions = new ConsoleSessions(opts.sessionLifetimeMs);
    this.pages = new SamplePageQuery(central.db);
    this.settings = new ConsoleSettings(central.db, { refreshSec: opts.refreshSec, alerts: [] });
    this.errors = new ServerErrors(central.db);
  }

  /** Answers a request under `/console`. @throws SampleRefusal for a body too large or lost. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (!this.opts.password) {
      return sendConsole(res, 404, 'text/plain; charset=utf-8', 'The console is off: start the server with --console-password (or $EPQ_CONSOLE_PASSWORD, or --token).\n');
    }
    if (path === '/console/console.js') return sendConsole(res, 200, 'text/javascript; charset=utf-8', CONSOLE_SCRIPT);
    if (path === '/console/console.css') return sendConsole(res, 200, 'text/css; charset=utf-8', CONSOLE_STYLE);
    if (path === '/console/sign-in') return method === 'POST' ? this.signIn(req, res) : this.showSignIn(res, 200, null);
    const session = this.sessions.fromCookie(req.headers.cookie);
    if (!session) {
      if (method === 'GET' || method === 'HEAD') return redirect(res, '/console/sign-in');
      return sendConsole(res, 403, 'text/plain; charset=utf-8', 'Sign in first.\n');
    }
    if (method === 'POST') {
      if (!sameOrigin(req)) return sendConsole(res, 403, 'text/plain; charset=utf-8', 'The request comes from another site (Origin).\n');
      const form = new URLSearchParams((await readSmallBody(req, this.opts.maxFormBytes)).toString('utf8'));
      const given = form.get('csrf') ?? (typeof req.headers['x-csrf-token'] === 'string' ? req.headers['x-csrf-token'] : '');
      if (!secretsMatch(given, session.csrf)) return sendConsole(res, 403, 'text/plain; charset=utf-8', 'The form is stale or forged (CSRF token mismatch); reload the page.\n');
      return this.post(res, path, form, session);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendConsole(res, 405, 'text/plain; charset=utf-8', `${method} is not supported here\n`);
    return this.get(req, res, path, session);
  }

  private showSignIn(res: ServerResponse, status: number, problem: string | null): void {
    const body = html`${problem ? html`<p class="error" id="sign-in-error">${problem}</p>` : ''}
<form method="post" action="/console/sign-in"><label>Password or token <input type="password" name="password" autocomplete="current-password" autofocus></label>
<button type="submit">Sign in</button></form>`;
    sendHtml(res, status, renderPage('Sign in', body, null));
  }

  private async signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await readSmallBody(req, this.opts.maxFormBytes)).toString('utf8'));
    const wait = this.throttle.waitSec();
    if (wait > 0) {
      sendHtml(res, 429, renderPage('Sign in', html`<p class="error" id="sign-in-error">Too many wrong passwords; try again in ${wait} s.</p>`, null), { 'retry-after': String(wait) });
      return;
    }
    if (!sameOrigin(req) || !secretsMatch(form.get('password') ?? '', this.opts.password!)) {
      this.throttle.recordFailure();
      this.opts.log(`console sign-in refused from ${req.socket.remoteAddress ?? '?'}`);
      return this.showSignIn(res, 401, 'Wrong password or token.');
    }
    const session = this.sessions.create();
    redirect(res, '/console/items', { 'set-cookie': sessionCookie(session, this.opts.secureCookie) });
  }

  private get(req: IncomingMessage, res: ServerResponse, path: string, session: ConsoleSession): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (path === '/console' || path === '/console/items') {
      const pageReq = parsePageRequest(url.searchParams);
      const { rows, total } = this.pages.read(pageReq);
      const refreshSec = this.settings.read().refreshSec;
      return sendHtml(res, 200, renderPage('Quarantined items', renderItemsBody(pageReq, rows, total, session.csrf), { csrf: session.csrf, refreshSec }));
    }
    if (path === '/console/server') {
      const body = renderServerBody(this.opts.facts(), this.settings.read(), this.errors.list(), session.csrf);
      return sendHtml(res, 200, renderPage('Server properties', body, { csrf: session.csrf }));
    }
    const item = /^\/console\/items\/([^/]+)(\/restore)?$/.exec(path);
    const sample = item ? this.central.records.get(decodeId(item[1]!)) : undefined;
    if (!item || !sample) return sendHtml(res, 404, renderPage('Not found', html`<p>No such item: ${path}</p>`, { csrf: session.csrf }));
    if (item[2]) {
      const bytes = this.central.sampleBytes(sample.id);
      this.opts.log(`console: restored (downloaded) ${sample.id} ${JSON.stringify(sample.fileName)}`);
      return sendConsole(res, 200, 'application/octet-stream', bytes, { 'content-disposition': contentDisposition(sample.fileName) });
    }
    const history = { transitions: this.central.records.history.transitionsOf(sample.id), requests: this.central.records.history.requestsOf(sample.id) };
    const body = renderItemBody(sample, history, session.csrf, url.searchParams.get('done'));
    sendHtml(res, 200, renderPage(`Properties of ${sample.fileName}`, body, { csrf: session.csrf }));
  }

  private post(res: ServerResponse, path: string, form: URLSearchParams, session: ConsoleSession): void {
    if (path === '/console/sign-out') {
      this.sessions.destroy(session.id);
      return redirect(res, '/console/sign-in', { 'set-cookie': sessionCookie(null, this.opts.secureCookie) });
    }
    if (path === '/console/items/delete') {
      const ids = form.getAll('ids').slice(0, MAX_DELETE_IDS);
      const deleted = ids.filter((id) => this.central.deleteSample(id)).length;
      this.opts.log(`console: deleted ${deleted} item(s)`);
      // Back to the same view; only a query string is taken, so this can't redirect elsewhere.
      const back = form.get('back') ?? '';
      return redirect(res, `/console/items${/^\?[A-Za-z0-9=&%._+-]*$/.test(back) ? back : ''}`);
    }
    if (path === '/console/server/settings') {
      this.settings.write({ refreshSec: Number(form.get('refreshSec') ?? '0') || 0, alerts: form.getAll('alerts') });
      return redirect(res, '/console/server');
    }
    const action = /^\/console\/items\/([^/]+)\/actions$/.exec(path);
    if (!action) return sendConsole(res, 404, 'text/plain; charset=utf-8', 'Nothing to post here.\n');
    const id = decodeId(action[1]!);
    const outcome = runItemAction(this.central, id, form, this.opts.log);
    if (outcome === null) return sendConsole(res, 404, 'text/plain; charset=utf-8', 'No such item.\n');
    redirect(res, `/console/items/${encodeURIComponent(id)}?done=${encodeURIComponent(outcome)}`);
  }
}

/** A browser names the page a form came from in Origin; one from another site is refused. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A path segment as an id; a malformed escape is an id no sample has, not a server error. */
function decodeId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}
