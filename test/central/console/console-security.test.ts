import { makeTempDir } from '../../helpers/temp-dir.js';
import { eicarBytes } from '../../helpers/eicar.js';
import { CentralProcess } from '../central-process.js';
import { postSample, rawRequest } from '../http-client.js';
import { getPage, postForm, signIn } from './console-client.js';

/**
 * The console's defences, without a browser: a real `epq central serve` process spoken to over
 * plain HTTP the way an attacker's client would.
 */
describe('epq central console: security', () => {
  let cleanup: () => Promise<void>;
  let central: CentralProcess;
  const PASSWORD = 'correct horse battery staple';
  const SCRIPT_NAME = '/home/eve/<script>alert(1)</script>&"x\'.exe';

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await makeTempDir('epq-console-sec-'));
    central = await CentralProcess.start(`${dir}/data`, ['--token', 'agents-token'], 0, { EPQ_CONSOLE_PASSWORD: PASSWORD });
    const auth = { authorization: 'Bearer agents-token' };
    expect((await postSample(central.url, 's1', eicarBytes(), { ...auth, 'x-sample-file-name': encodeURIComponent(SCRIPT_NAME), 'x-platform-user': encodeURIComponent('<b>mallory</b>') })).status).toBe(201);
    expect((await postSample(central.url, 's2', Buffer.from('harmless'), auth)).status).toBe(201);
  });
  afterAll(async () => {
    await central.stop();
    await cleanup();
  });

  const GET_ROUTES = ['/console', '/console/items', '/console/items?sort=virus&dir=desc', '/console/items/s1', '/console/items/s1/restore', '/console/server'];
  const POST_ROUTES: [string, Record<string, string>][] = [
    ['/console/items/delete', { ids: 's1' }],
    ['/console/items/s1/actions', { action: 'priority', priority: '5' }],
    ['/console/items/s1/actions', { action: 'queue' }],
    ['/console/server/settings', { refreshSec: '1' }],
    ['/console/sign-out', {}],
  ];

  it('refuses every page and download without a session: a redirect to sign-in, never the content', async () => {
    for (const path of GET_ROUTES) {
      for (const cookie of [null, 'epq_console=forged-session-id']) {
        const r = await getPage(central.url, path, cookie);
        expect([path, r.status, r.headers.location]).toEqual([path, 303, '/console/sign-in']);
        expect(r.text).toBe('');
      }
    }
  });

  it('refuses every action without a session, and changes nothing', async () => {
    for (const [path, fields] of POST_ROUTES) {
      const r = await postForm(central.url, path, fields, null);
      expect([path, r.status]).toEqual([path, 403]);
    }
    expect((await rawRequest(`${central.url}/samples/s1`, 'GET', { authorization: 'Bearer agents-token' })).json).toMatchObject({ id: 's1', priority: 0 });
  });

  it('refuses a wrong password and sets an HttpOnly SameSite=Strict session cookie for the right one', async () => {
    const wrong = await postForm(central.url, '/console/sign-in', { password: 'guess' }, null);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const right = await postForm(central.url, '/console/sign-in', { password: PASSWORD }, null);
    expect(right.status).toBe(303);
    const cookie = String(right.headers['set-cookie']);
    expect(cookie).toMatch(/^epq_console=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
  });

  it('refuses an action whose CSRF token is missing or wrong, and changes nothing', async () => {
    const login = await signIn(central.url, PASSWORD);
    for (const csrf of [undefined, 'x', `${login.csrf}x`]) {
      const fields = { ids: 's1', ...(csrf !== undefined && { csrf }) };
      expect((await postForm(central.url, '/console/items/delete', fields, login.cookie)).status).toBe(403);
    }
    // Another session's token is no good either.
    const other = await signIn(central.url, PASSWORD);
    expect((await postForm(central.url, '/console/items/delete', { ids: 's1', csrf: other.csrf }, login.cookie)).status).toBe(403);
    expect((await getPage(central.url, '/console/items/s1', login.cookie)).status).toBe(200);
  });

  it('answers 404 for an unknown or malformed item id, not a server error', async () => {
    const login = await signIn(central.url, PASSWORD);
    for (const path of ['/console/items/nope', '/console/items/%E0%A4%A', '/console/items/%E0%A4%A/restore']) expect((await getPage(central.url, path, login.cookie)).status).toBe(404);
    expect((await postForm(central.url, '/console/items/%E0%A4%A/actions', { action: 'queue', csrf: login.csrf }, login.cookie)).status).toBe(404);
  });

  it('refuses a form posted from another site even with the right session and token', async () => {
    const login = await signIn(central.url, PASSWORD);
    const form = Buffer.from(new URLSearchParams({ ids: 's1', csrf: login.csrf }).toString());
    const r = await rawRequest(`${central.url}/console/items/delete`, 'POST', { 'content-type': 'application/x-www-form-urlencoded', cookie: login.cookie, origin: 'http://evil.example' }, form);
    expect(r.status).toBe(403);
    expect((await getPage(central.url, '/console/items/s1', login.cookie)).status).toBe(200);
  });

  it('shows a file name and user holding markup as text, with a strict CSP on every page', async () => {
    const login = await signIn(central.url, PASSWORD);
    for (const path of ['/console/items', '/console/items/s1', '/console/server', '/console/sign-in']) {
      const r = await getPage(central.url, path, login.cookie);
      expect([path, r.status]).toEqual([path, 200]);
      expect(r.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
      expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.text).not.toMatch(/<script>|<b>mallory/);
      expect(r.text).not.toMatch(/<script(?![^>]*src="\/console\/console\.js")/);
    }
    const list = await getPage(central.url, '/console/items', login.cookie);
    expect(list.text).toContain('/home/eve/&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;x&#39;.exe');
    expect(list.text).toContain('&lt;b&gt;mallory&lt;/b&gt;');
  });

  it('restores a sample as a download with a safe file name, and signs out', async () => {
    const login = await signIn(central.url, PASSWORD);
    const r = await getPage(central.url, '/console/items/s1/restore', login.cookie);
    expect(r.status).toBe(200);
    expect(Buffer.from(r.text)).toEqual(eicarBytes());
    // The base name only; control and quote characters can't break out of the header.
    expect(r.headers['content-disposition']).toBe(`attachment; filename="script___x_.exe"; filename*=UTF-8''script%3E%26%22x%27.exe`);
    expect((await postForm(central.url, '/console/sign-out', { csrf: login.csrf }, login.cookie)).status).toBe(303);
    expect((await getPage(central.url, '/console/items', login.cookie)).status).toBe(303);
  });

  it('is off when the server has neither a console password nor a token', async () => {
    const { dir, cleanup: done } = await makeTempDir('epq-console-off-');
    const open = await CentralProcess.start(`${dir}/data`, [], 0, { EPQ_CONSOLE_PASSWORD: '', EPQ_CENTRAL_TOKEN: '' });
    try {
      expect(open.output).toMatch(/console: +off/);
      for (const path of ['/console', '/console/sign-in', '/console/items']) expect((await getPage(open.url, path, null)).status).toBe(404);
      expect((await postForm(open.url, '/console/sign-in', { password: '' }, null)).status).toBe(404);
    } finally {
      await open.stop();
      await done();
    }
  });

  it('keeps the agents\' API behind the bearer token', async () => {
    expect((await rawRequest(`${central.url}/samples`, 'GET', {})).status).toBe(401);
  });
});
