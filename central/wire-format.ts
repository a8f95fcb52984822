/**
 * The wire format between an agent and a Central Quarantine: the one module both sides import,
 * so the header names, the error words and the replies cannot drift apart.
 *
 * Forwarding a sample is `POST /samples`:
 *   - the body is the quarantined file's plain bytes (not the local encrypted package, whose key
 *     never leaves the endpoint: the server must scan what it receives). The agent streams it
 *     out of the encrypted package; TLS protects it in transit;
 *   - the sample's attributes are `X-` headers (the guide's naming); free text (file, user and
 *     virus names) is percent-encoded UTF-8, because header values are ASCII;
 *   - `Content-Length` equals `X-Sample-Size`; the server checks length (`overrun`/`underrun`)
 *     and SHA-256 (`content`) as the body streams in, and stores a sample id once: a second
 *     upload of the same id and checksum is acknowledged without storing anything again.
 * The answer is JSON: a `CentralSample` on 200/201, an `ErrorReply` with a guide error word on
 * refusal (4xx) or trouble (5xx, with `Retry-After` when the server knows when to come back).
 */

/** Sample error words of the guide (Table A-6) that this protocol uses. */
export const SAMPLE_ERROR_WORDS = ['content', 'overrun', 'underrun', 'missing', 'malformed', 'declined', 'type', 'lost', 'internal'] as const;
export type SampleErrorWord = (typeof SAMPLE_ERROR_WORDS)[number];

/** Header names, in the guide's `X-` style (HTTP header names are case-insensitive). */
export const HEADERS = {
  id: 'x-sample-id',
  checksum: 'x-sample-checksum',
  size: 'x-sample-size',
  type: 'x-sample-type',
  fileName: 'x-sample-file-name',
  priority: 'x-sample-priority',
  sideEffects: 'x-sample-side-effects',
  dateQuarantined: 'x-date-quarantined',
  virusName: 'x-scan-virus-name',
  sequence: 'x-scan-signatures-sequence',
  user: 'x-platform-user',
  computer: 'x-platform-computer',
  address: 'x-platform-address',
} as const;

/**
 * What "strip user data" leaves out: who owned the file. The file name and the computer stay,
 * because a Central Quarantine console is of no use without them.
 */
export const USER_HEADERS: readonly string[] = [HEADERS.user];

/** The only sample type: one file's bytes. */
export const SAMPLE_TYPE = 'file';
export const SAMPLE_CONTENT_TYPE = 'application/octet-stream';

export const PATHS = {
  samples: '/samples',
  /** POST `{ ids }` -> `StatusReply`: the agent's status query. */
  statusQuery: '/samples/status',
} as const;

/**
 * `base` + `path`, keeping a path prefix the base URL may have (`https://host/cq/`).
 * @throws TypeError when `base` is not a URL.
 */
export function endpointUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

/** Most ids one status query may name. */
export const MAX_STATUS_IDS = 500;

/** A sample id: what the agent's quarantine uses (hex), with room for other forwarders. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const CHECKSUM_PATTERN = /^[0-9a-f]{64}$/;

/** The attributes of one forwarded sample. `user` is null when stripped. */
export interface SampleAttributes {
  readonly id: string;
  readonly checksum: string;
  readonly size: number;
  readonly fileName: string;
  readonly dateQuarantined: string;
  readonly virusName: string;
  /** Definitions sequence the endpoint detected it with. */
  readonly sequence: number | null;
  /** > 0: queued for automatic analysis (the guide's X-Sample-Priority). */
  readonly priority: number;
  readonly sideEffects: number;
  readonly user: string | null;
  readonly computer: string;
  readonly address: string | null;
}

/** A sample as the Central Quarantine reports it: the guide's columns (Table 3-1) and more. */
export interface CentralSample {
  readonly id: string;
  readonly fileName: string;
  readonly user: string | null;
  readonly computer: string;
  readonly address: string | null;
  readonly size: number;
  readonly checksum: string;
  readonly dateQuarantined: string;
  readonly dateReceived: string;
  /** Set when the sample reached a final state (the guide's X-Date-Analyzed). */
  readonly dateAnalyzed: string | null;
  readonly state: string;
  readonly status: string;
  /** The server's finding when infected, else what the endpoint reported. */
  readonly virus: string;
  readonly endpointVirus: string;
  readonly endpointSequence: number | null;
  /** Sequence of the server's definitions that scanned it (null: a ClamAV folder). */
  readonly scanSequence: number | null;
  readonly definitionsNeeded: number | null;
  readonly errors: readonly { readonly word: string; readonly message: string; readonly at: string }[];
  readonly priority: number;
  readonly sideEffects: number;
  /** How many uploads of this sample arrived (stored once). */
  readonly receipts: number;
}

/** The answer to an upload that was stored, or had been stored before (`duplicate`). */
export type UploadReply = CentralSample & { readonly duplicate: boolean };

export interface ErrorReply {
  readonly error: SampleErrorWord;
  readonly message: string;
  readonly id?: string;
}

export interface StatusQuery {
  readonly ids: readonly string[];
}

export interface StatusReply {
  readonly samples: readonly CentralSample[];
  /** Ids the server does not hold (never arrived, or lost): the agent sends them again. */
  readonly unknown: readonly string[];
}

/** Headers, as node hands them over (lower-case names). */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** A request's attributes are missing or malformed; `word` says which. */
export class SampleHeaderError extends Error {
  constructor(readonly word: 'missing' | 'malformed' | 'type', readonly header: string, message: string) {
    super(message);
    this.name = 'SampleHeaderError';
  }
}

const encodeText = (s: string): string => encodeURIComponent(s);

/**
 * The request headers for a sample; with `stripUserData` the user fields are left out.
 * Never throws.
 */
export function toSampleHeaders(a: SampleAttributes, stripUserData: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': SAMPLE_CONTENT_TYPE,
    'content-length': String(a.size),
    [HEADERS.id]: a.id,
    [HEADERS.checksum]: a.checksum,
    [HEADERS.size]: String(a.size),
    [HEADERS.type]: SAMPLE_TYPE,
    [HEADERS.fileName]: encodeText(a.fileName),
    [HEADERS.priority]: String(a.priority),
    [HEADERS.sideEffects]: String(a.sideEffects),
    [HEADERS.dateQuarantined]: a.dateQuarantined,
    [HEADERS.virusName]: encodeText(a.virusName),
    [HEADERS.computer]: encodeText(a.computer),
  };
  if (a.sequence !== null) h[HEADERS.sequence] = String(a.sequence);
  if (a.address !== null) h[HEADERS.address] = a.address;
  if (a.user !== null && !stripUserData) h[HEADERS.user] = encodeText(a.user);
  return h;
}

function single(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  if (Array.isArray(v)) {
    if (v.length > 1) throw new SampleHeaderError('malformed', name, `${name} is given ${v.length} times`);
    return v[0];
  }
  return v;
}

function required(headers: HeaderBag, name: string): string {
  const v = single(headers, name);
  if (v === undefined || v === '') throw new SampleHeaderError('missing', name, `the ${name} header is missing`);
  return v;
}

function decodeText(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new SampleHeaderError('malformed', name, `${name} is not percent-encoded UTF-8`);
  }
}

function wholeNumber(name: string, raw: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d{1,16}$/.test(raw) || Number(raw) > max) throw new SampleHeaderError('malformed', name, `${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

function optionalNumber(headers: HeaderBag, name: string, fallback: number | null): number | null {
  const raw = single(headers, name);
  return raw === undefined || raw === '' ? fallback : wholeNumber(name, raw);
}

/**
 * Reads and checks a sample's attributes from request headers.
 * @throws SampleHeaderError `missing` (an essential header is absent), `malformed` (a value
 *   does not parse) or `type` (not a file sample, or not an octet stream).
 */
export function parseSampleHeaders(headers: HeaderBag): SampleAttributes {
  const type = single(headers, HEADERS.type);
  if (type !== undefined && type !== SAMPLE_TYPE) throw new SampleHeaderError('type', HEADERS.type, `sample type "${type}" is not supported (only "${SAMPLE_TYPE}")`);
  const contentType = single(headers, 'content-type');
  if (contentType !== undefined && contentType.split(';')[0]!.trim().toLowerCase() !== SAMPLE_CONTENT_TYPE) {
    throw new SampleHeaderError('type', 'content-type', `content type "${contentType}" is not supported (only ${SAMPLE_CONTENT_TYPE})`);
  }
  const id = required(headers, HEADERS.id);
  if (!ID_PATTERN.test(id)) throw new SampleHeaderError('malformed', HEADERS.id, `${HEADERS.id} must be 1-128 letters, digits, ".", "_" or "-"`);
  const checksum = required(headers, HEADERS.checksum).toLowerCase();
  if (!CHECKSUM_PATTERN.test(checksum)) throw new SampleHeaderError('malformed', HEADERS.checksum, `${HEADERS.checksum} must be a SHA-256 in hex`);
  const dateQuarantined = required(headers, HEADERS.dateQuarantined);
  if (!Number.isFinite(Date.parse(dateQuarantined))) throw new SampleHeaderError('malformed', HEADERS.dateQuarantined, `${HEADERS.dateQuarantined} is not a date`);
  const user = single(headers, HEADERS.user);
  const address = single(headers, HEADERS.address);
  return {
    id,
    checksum,
    size: wholeNumber(HEADERS.size, required(headers, HEADERS.size)),
    fileName: decodeText(HEADERS.fileName, required(headers, HEADERS.fileName)),
    dateQuarantined: new Date(dateQuarantined).toISOString(),
    virusName: decodeText(HEADERS.virusName, single(headers, HEADERS.virusName) ?? ''),
    sequence: optionalNumber(headers, HEADERS.sequence, null),
    priority: optionalNumber(headers, HEADERS.priority, 0)!,
    sideEffects: optionalNumber(headers, HEADERS.sideEffects, 0)!,
    user: user === undefined || user === '' ? null : decodeText(HEADERS.user, user),
    computer: decodeText(HEADERS.computer, required(headers, HEADERS.computer)),
    address: address === undefined || address === '' ? null : address,
  };
}

/**
 * The word a refusal carries, from the reply's JSON or, when a proxy or another server answered
 * without one, from the HTTP status. Never throws.
 */
export function refusalWord(status: number, body: unknown): SampleErrorWord {
  const word = (body as { error?: unknown } | null)?.error;
  if (typeof word === 'string' && (SAMPLE_ERROR_WORDS as readonly string[]).includes(word)) return word as SampleErrorWord;
  switch (status) {
    case 400:
    case 411:
      return 'malformed';
    case 415:
      return 'type';
    case 422:
      return 'content';
    default:
      return 'declined';
  }
}

/**
 * Checks that a parsed JSON answer is a sample record for `id`, so that a 200 from something
 * that is not a Central Quarantine is never taken as an acknowledgement. Never throws.
 */
export function isSampleFor(body: unknown, id: string): body is CentralSample {
  const s = body as Partial<CentralSample> | null;
  return typeof s === 'object' && s !== null && s.id === id && typeof s.state === 'string' && typeof s.status === 'string' && typeof s.checksum === 'string';
}

/** True for a well-formed status reply. Never throws. */
export function isStatusReply(body: unknown): body is StatusReply {
  const r = body as Partial<StatusReply> | null;
  return typeof r === 'object' && r !== null && Array.isArray(r.samples) && Array.isArray(r.unknown) &&
    r.samples.every((s) => isSampleFor(s, (s as CentralSample).id)) && r.unknown.every((u) => typeof u === 'string');
}

/** Final states of the guide (Table A-2): once there, a sample's state does not change again. */
export const FINAL_STATES: ReadonlySet<string> = new Set([
  'abort', 'attention', 'broken', 'declined', 'error', 'infected', 'misfired', 'nodetect', 'norepair',
  'uninfectable', 'uninfected', 'unsubmittable', 'encrypted', 'delete', 'restore',
]);
