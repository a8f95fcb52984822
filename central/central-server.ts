import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CentralQuarantine, type CentralDefinitions } from './central-quarantine.js';
import { CentralListenError, SampleRefusal } from './central-errors.js';
import type { ReanalysisSummary } from './reanalyze-samples.js';
import { readJsonBody, sendJson, sendRefusal } from './http-replies.js';
import { checkServerLimits, connectionCheckIntervalMs, DEFAULT_SERVER_LIMITS, type ServerLimits } from './server-limits.js';
import { UploadSlots } from './upload-slots.js';
import { ConsoleRouter } from './console/console-router.js';
import { MAX_STATUS_IDS, PATHS, type StatusQuery } from './wire-format.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** The store's maximum size in bytes. */
  readonly maxBytes: number;
  /** PEM certificate and key: https when given, plain http otherwise. */
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | null;
  /** Bearer token every request must carry; null = open. */
  readonly token: string | null;
  readonly definitions: CentralDefinitions;
  /** One line per stored or refused sample (the server's log). */
  readonly log: (line: string) => void;
  /** Timeouts and concurrency bounds; `DEFAULT_SERVER_LIMITS` when left out. */
  readonly limits?: ServerLimits;
  /** The web console under /console: its sign-in secret (null = off) and default auto-refresh. */
  readonly console?: { readonly password: string | null; readonly refreshSec: number };
}

/** How long a console session lives after sign-in. */
const CONSOLE_SESSION_MS = 8 * 3600_000;

/** What a request handler needs besides the request. */
interface ServerContext {
  readonly central: CentralQuarantine;
  readonly opts: ServeOptions;
  readonly limits: ServerLimits;
  readonly slots: UploadSlots;
  readonly console: ConsoleRouter;
}

export interface RunningCentral {
  /** Where it listens, with the port actually bound (for `--listen HOST:0`). */
  readonly url: string;
  readonly central: CentralQuarantine;
  readonly cleaned: { readonly orphans: number; readonly missing: number };
  /**
   * The start-up pass that analyses again, with this server's definitions, the samples stored
   * under older ones; it runs while the server answers.
   */
  readonly reanalysis: Promise<ReanalysisSummary>;
  readonly limits: ServerLimits;
  /** Stops taking connections, lets requests in flight finish (up to `graceMs`), closes the store. */
  close(graceMs?: number): Promise<void>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares digests so that neither the token nor its length leaks through timing. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/**
 * Starts the reference Central Quarantine server, every socket bounded by `opts.limits`: header,
 * idle and request timeouts, uploads at once per client and in total, JSON size, connections.
 * @throws ServerLimitsError (limits that don't fit together), CentralStoreError (unusable data
 *   folder), CentralListenError (address in use, no permission) naming the address.
 */
export async function startCentralServer(opts: ServeOptions): Promise<RunningCentral> {
  const limits = checkServerLimits(opts.limits ?? DEFAULT_SERVER_LIMITS);
  const idleSec = Math.ceil(limits.idleTimeoutMs / 1000);
  const { central, cleaned } = CentralQuarantine.open(opts.dataDir, opts.maxBytes, opts.definitions, idleSec);
  const consoleRouter = new ConsoleRouter(central, {
    password: opts.console?.password ?? null,
    refreshSec: opts.console?.refreshSec ?? 0,
    sessionLifetimeMs: CONSOLE_SESSION_MS,
    secureCookie: opts.tls !== null,
    maxFormBytes: limits.maxJsonBytes,
    log: opts.log,
    facts: () => ({
      dataDir: opts.dataDir, maxBytes: central.quota.maxBytes, usedBytes: central.quota.usedBytes, samples: central.records.usage().count,
      listen: `${opts.host}:${opts.port}`, tls: opts.tls !== null, definitionsLabel: central.definitions.label, definitionsSequence: central.definitions.sequence,
    }),
  });
  const ctx: ServerContext = { central, opts, limits, slots: new UploadSlots(limits.maxUploadsPerClient, limits.maxUploads, idleSec), console: consoleRouter };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void route(ctx, req, res).catch((err: unknown) => {
      const refusal = err instanceof SampleRefusal ? err : new SampleRefusal('internal', 500, `internal error: ${(err as Error).message}`, {}, { cause: err });
      const id = refusal.context.id ?? req.headers['x-sample-id'] ?? '-';
      opts.log(`refused ${String(id)} from ${req.socket.remoteAddress ?? '?'}: ${refusal.word} (HTTP ${refusal.httpStatus}) ${refusal.message}`);
      // The General Errors history: the server's own failures, not its clients' mistakes.
      if (refusal.httpStatus >= 500) recordServerError(consoleRouter, refusal, opts.log);
      // Nobody is left to answer when the connection was lost.
      if (refusal.word !== 'lost') sendRefusal(res, refusal);
    });
  };
  const server = createBoundedServer(opts.tls, limits, handler);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (err) {
    central.close();
    throw new CentralListenError(`${opts.host}:${opts.port}`, { cause: err });
  }
  // After listening, an error (EMFILE on accept) is logged: one bad moment must not stop the server.
  server.on('error', (err) => opts.log(`server error: ${err.message}`));
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let closing = false;
  const reanalysis = central.reanalyzeStale(opts.log, () => closing);
  const close = async (graceMs = 10_000): Promise<void> => {
    closing = true;
    await closeServer(server, central, graceMs, reanalysis);
  };
  return { url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`, central, cleaned, reanalysis, limits, close };
}

/**
 * An http(s) server whose sockets can't be held: node cuts a connection whose TLS handshake or
 * headers are late (408 for the headers), whose request is late (408) or that is silent for the idle timeout; an upload on it
 * then ends as `lost`, which gives its reservation back and deletes its partial blob.
 */
function createBoundedServer(tls: ServeOptions['tls'], limits: ServerLimits, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const bounds = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: connectionCheckIntervalMs(limits),
  };
  const server: Server = tls ? createHttpsServer({ ...bounds, handshakeTimeout: limits.headersTimeoutMs, cert: tls.cert, key: tls.key }, handler) : createHttpServer(bounds, handler);
  server.timeout = limits.idleTimeoutMs;
  server.keepAliveTimeout = Math.min(5_000, limits.idleTimeoutMs);
  server.maxConnections = limits.maxConnections;
  return server;
}

async function closeServer(server: Server, central: CentralQuarantine, graceMs: number, reanalysis: Promise<unknown>): Promise<void> {
  // The pass stops between samples; the store must outlive the sample it is on.
  await reanalysis;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
  central.close();
}

function recordServerError(consoleRouter: ConsoleRouter, refusal: SampleRefusal, log: (line: string) => void): void {
  try {
    consoleRouter.errors.record(refusal.word, refusal.message);
  } catch (err) {
    log(`can't record a server error: ${(err as Error).message}`);
  }
}

async function route(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { central, opts } = ctx;
  const consolePath = new URL(req.url ?? '/', 'http://localhost').pathname;
  // The console signs people in with its own session cookie instead of the agents' bearer token.
  if (consolePath === '/console' || consolePath.startsWith('/console/')) return ctx.console.handle(req, res, consolePath.replace(/\/+$/, '') || '/console');
  if (opts.token !== null && !tokenMatches(req.headers.authorization, opts.token)) {
    throw new SampleRefusal('declined', 401, 'a valid bearer token is required (Authorization: Bearer TOKEN)');
  }
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  if (path === PATHS.samples && method === 'POST') return postSample(ctx, req, res);
  if (path === PATHS.statusQuery && method === 'POST') return postStatusQuery(central, req, res, ctx.limits.maxJsonBytes);
  if (method !== 'GET' && method !== 'HEAD') throw new SampleRefusal('malformed', 405, `${method} ${path} is not supported`);
  if (path === '/') return sendJson(res, 200, describe(central));
  if (path === PATHS.samples) return sendJson(res, 200, { samples: central.records.list() });
  const one = /^\/samples\/([^/]+)$/.exec(path);
  if (one) {
    const id = decodeURIComponent(one[1]!);
    const sample = central.records.get(id);
    if (!sample) throw new SampleRefusal('missing', 404, `no sample ${id}`, { id });
    return sendJson(res, 200, sample);
  }
  throw new SampleRefusal('missing', 404, `nothing at ${path}; try ${PATHS.samples}`);
}

async function postSample({ central, opts, slots }: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const id = typeof req.headers['x-sample-id'] === 'string' ? req.headers['x-sample-id'] : undefined;
  const giveBack = slots.take(req.socket.remoteAddress ?? '?', id);
  let accepted;
  try {
    accepted = await central.accept(req);
  } finally {
    giveBack();
  }
  const { status, reply } = accepted;
  opts.log(`${reply.duplicate ? 'duplicate' : 'stored'} ${reply.id} ${JSON.stringify(reply.fileName)} from ${reply.computer}: ${reply.state}, ${reply.status}${reply.state === 'infected' ? ` (${reply.virus})` : ''}`);
  sendJson(res, status, reply);
}

async function postStatusQuery(central: CentralQuarantine, req: IncomingMessage, res: ServerResponse, maxJsonBytes: number): Promise<void> {
  const body = (await readJsonBody(req, maxJsonBytes)) as Partial<StatusQuery> | null;
  const ids = body?.ids;
  if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string')) throw new SampleRefusal('malformed', 400, 'a status query is {"ids": ["...", ...]}');
  if (ids.length > MAX_STATUS_IDS) throw new SampleRefusal('malformed', 400, `a status query names at most ${MAX_STATUS_IDS} ids`);
  sendJson(res, 200, central.statusOf(ids));
}

function describe(central: CentralQuarantine): Record<string, unknown> {
  const usage = central.records.usage();
  return {
    service: 'epq central quarantine',
    samples: usage.count,
    usedBytes: central.quota.usedBytes,
    maxBytes: central.quota.maxBytes,
    reservedBytes: central.quota.reservedBytes,
    definitions: central.definitions.label,
    definitionsSequence: central.definitions.sequence,
  };
}
