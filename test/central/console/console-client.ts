import { rawRequest, type RawReply } from '../http-client.js';

/** A signed-in console session as a client without a browser holds it: the cookie and the CSRF token. */
export interface ConsoleLogin {
  readonly cookie: string;
  readonly csrf: string;
}

/** Signs in with `password` and reads the CSRF token from the items page. */
export async function signIn(base: string, password: string): Promise<ConsoleLogin> {
  const r = await postForm(base, '/console/sign-in', { password }, null);
  if (r.status !== 303) throw new Error(`sign-in failed: HTTP ${r.status} ${r.text}`);
  const cookie = String(r.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const page = await getPage(base, '/console/items', cookie);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!csrf) throw new Error(`no CSRF token in the items page:\n${page.text}`);
  return { cookie, csrf };
}

export function getPage(base: string, path: string, cookie: string | null): Promise<RawReply> {
  return rawRequest(`${base}${path}`, 'GET', cookie ? { cookie } : {});
}

/** POSTs a urlencoded form; repeated names as arrays. */
export function postForm(base: string, path: string, fields: Record<string, string | string[]>, cookie: string | null): Promise<RawReply> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
  const body = Buffer.from(form.toString());
  return rawRequest(`${base}${path}`, 'POST', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), ...(cookie ? { cookie } : {}) }, body);
}
