/**
 * The control socket's protocol: newline-delimited JSON, one request and one response per line.
 * Every request carries the protocol version; an unknown one is refused, so that a CLI and an
 * agent of different versions never misread each other.
 *   request:  {"v":1,"op":"restore","args":{...}}
 *   response: {"v":1,"ok":true,"result":...} | {"v":1,"ok":false,"error":{"code":"...","message":"..."}}
 */

export const CONTROL_PROTOCOL_VERSION = 1;
export const CONTROL_SOCKET_NAME = 'control.sock';
/** A request line longer than this is refused (ids and paths fit many times over). */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** A response line longer than this is refused by the client (a listing of every item fits). */
export const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

export type ControlErrorCode = 'malformed' | 'version' | 'too-large' | 'unknown-op' | 'bad-args' | 'forbidden' | 'failed';

export interface ControlRequest {
  readonly v: number;
  readonly op: string;
  readonly args: Readonly<Record<string, unknown>>;
}

export type ControlResponse =
  | { readonly v: number; readonly ok: true; readonly result: unknown }
  | { readonly v: number; readonly ok: false; readonly error: { readonly code: ControlErrorCode; readonly message: string } };

export type ParsedRequest = { readonly ok: true; readonly request: ControlRequest } | { readonly ok: false; readonly code: ControlErrorCode; readonly message: string };

/** Checks one request line. Never throws: a bad line is data, answered with its error. */
export function parseRequest(line: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, code: 'malformed', message: 'the request is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'malformed', message: 'the request is not a JSON object' };
  const { v, op, args } = value as Record<string, unknown>;
  if (v !== CONTROL_PROTOCOL_VERSION) {
    return { ok: false, code: 'version', message: `protocol version ${JSON.stringify(v) ?? 'missing'} is not supported; this agent speaks version ${CONTROL_PROTOCOL_VERSION}` };
  }
  if (typeof op !== 'string' || op === '') return { ok: false, code: 'malformed', message: 'the request names no operation ("op")' };
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) return { ok: false, code: 'malformed', message: '"args" must be a JSON object' };
  return { ok: true, request: { v, op, args: (args ?? {}) as Record<string, unknown> } };
}

export function errorResponse(code: ControlErrorCode, message: string): ControlResponse {
  return { v: CONTROL_PROTOCOL_VERSION, ok: false, error: { code, message } };
}

/** The agent refused or failed a request; `code` says which. */
export class ControlError extends Error {
  override name = 'ControlError';

  constructor(readonly code: ControlErrorCode | 'unreachable', message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
