/**
 * Maps a control request to the endpoint's use case, checking the arguments' shapes (the socket
 * is an outside input like any other).
 */
import type { ExceptionKind } from '../exceptions/exception-list.js';
import type { EndpointApi } from '../endpoint/endpoint-api.js';
import type { ArchiveSettings } from '../scan/archive-settings.js';
import { ControlError, type ControlRequest } from './protocol.js';

type Handler = (endpoint: EndpointApi, args: Readonly<Record<string, unknown>>) => Promise<unknown>;

const KINDS: readonly ExceptionKind[] = ['sha256', 'path', 'signature'];

const HANDLERS: Readonly<Record<string, Handler>> = {
  ping: async () => ({ pid: process.pid }),
  status: (e) => e.status(),
  config: (e) => e.effectiveConfig(),
  list: (e, a) => e.listItems(bool(a, 'all')),
  orphans: (e) => e.orphans(),
  checkRestore: (e, a) => e.checkRestore(strings(a, 'ids')),
  restore: (e, a) => e.restore({ ids: strings(a, 'ids'), allow: bool(a, 'allow'), rename: bool(a, 'rename'), ...optionalString(a, 'to') }),
  delete: (e, a) => e.deleteItems(strings(a, 'ids')),
  export: (e, a) => e.exportItems(strings(a, 'ids'), string(a, 'dir')),
  allow: (e, a) => e.allow(strings(a, 'ids')),
  addException: (e, a) => {
    const kind = string(a, 'kind') as ExceptionKind;
    if (!KINDS.includes(kind)) throw new ControlError('bad-args', `"kind" must be one of ${KINDS.join(', ')}`);
    return e.addException(kind, string(a, 'value'));
  },
  removeException: (e, a) => e.removeException(integer(a, 'id')),
  scan: (e, a) => e.scan({ paths: strings(a, 'paths'), exclude: strings(a, 'exclude'), maxFileSize: integer(a, 'maxFileSize'), followSymlinks: bool(a, 'followSymlinks'), jobs: integer(a, 'jobs'), archive: archiveSettings(a) }),
  install: (e, a) => e.install(string(a, 'file')),
  update: (e) => e.update(),
  rollback: (e) => e.rollback(),
};

/**
 * Runs one request on the endpoint.
 * @throws ControlError `unknown-op` or `bad-args`; whatever the use case throws.
 */
export function dispatch(endpoint: EndpointApi, request: ControlRequest): Promise<unknown> {
  const handler = Object.hasOwn(HANDLERS, request.op) ? HANDLERS[request.op] : undefined;
  if (!handler) throw new ControlError('unknown-op', `unknown operation ${JSON.stringify(request.op)}`);
  return handler(endpoint, request.args);
}

function string(a: Readonly<Record<string, unknown>>, key: string): string {
  const v = a[key];
  if (typeof v !== 'string') throw new ControlError('bad-args', `"${key}" must be a string`);
  return v;
}

function optionalString(a: Readonly<Record<string, unknown>>, key: string): Record<string, string> {
  return a[key] === undefined ? {} : { [key]: string(a, key) };
}

function strings(a: Readonly<Record<string, unknown>>, key: string): string[] {
  const v = a[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new ControlError('bad-args', `"${key}" must be a list of strings`);
  return v as string[];
}

function bool(a: Readonly<Record<string, unknown>>, key: string): boolean {
  const v = a[key] ?? false;
  if (typeof v !== 'boolean') throw new ControlError('bad-args', `"${key}" must be true or false`);
  return v;
}

function integer(a: Readonly<Record<string, unknown>>, key: string): number {
  const v = a[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ControlError('bad-args', `"${key}" must be an integer`);
  return v;
}

const LIMIT_KEYS = ['maxScanSize', 'maxMemberSize', 'maxFiles', 'maxRecursion', 'maxScanTime'] as const;

/** `archive`: null or absent (don't look into archives), or `{ limits: {...}, alertExceedsMax }`. */
function archiveSettings(a: Readonly<Record<string, unknown>>): ArchiveSettings | null {
  const v = a['archive'];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ControlError('bad-args', '"archive" must be an object or null');
  const o = v as Readonly<Record<string, unknown>>;
  const limits = o['limits'];
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) throw new ControlError('bad-args', '"archive.limits" must be an object');
  const l = limits as Readonly<Record<string, unknown>>;
  const picked = Object.fromEntries(LIMIT_KEYS.map((k) => {
    const n = l[k];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new ControlError('bad-args', `"archive.limits.${k}" must be a non-negative integer`);
    return [k, n];
  })) as unknown as ArchiveSettings['limits'];
  return { limits: picked, alertExceedsMax: bool(o, 'alertExceedsMax') };
}
