import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { eicarBytes } from '../../helpers/eicar.js';
import { CentralProcess } from '../central-process.js';
import { postSample, rawRequest } from '../http-client.js';
import { browserMissing, launchChromium } from './browser.js';

const missing = browserMissing();
if (missing) console.log(missing);
const describeWithBrowser = missing ? describe.skip : describe;

/** The console as an administrator uses it: Debian's chromium against a real `epq central serve`. */
describeWithBrowser('epq central console in a browser', () => {
  let cleanup: () => Promise<void>;
  let central: CentralProcess;
  let browser: BrowserContext;
  let page: Page;
  const PASSWORD = 'console-pw';
  const HARMLESS = 110;
  const INFECTED = 12;
  const sendSample = (id: string, body: Buffer, fileName: string): Promise<unknown> =>
    postSample(central.url, id, body, { 'x-sample-file-name': encodeURIComponent(fileName), 'x-platform-computer': `ws-${id.length}` }).then((r) => expect(r.status).toBe(201));

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await makeTempDir('epq-console-browser-'));
    central = await CentralProcess.start(`${dir}/data`, ['--console-password', PASSWORD, '--console-refresh', '0']);
    for (let i = 0; i < HARMLESS; i++) await sendSample(`h${String(i).padStart(3, '0')}`, Buffer.from(`harmless ${i}`), `/home/u/doc-${String(i).padStart(3, '0')}.txt`);
    for (let i = 0; i < INFECTED; i++) await sendSample(`e${i}`, eicarBytes(), `/tmp/eicar-${i}.com`);
    browser = await launchChromium(`${dir}/profile`);
    page = await browser.newPage();
    page.on('dialog', (d) => void d.accept());
  });
  afterAll(async () => {
    await browser?.close();
    await central?.stop();
    await cleanup?.();
  });

  const column = (n: number): Promise<string[]> => page.locator(`#items tbody tr td:nth-child(${n})`).allTextContents();
  const pager = (): Promise<string> => page.locator('#pager').innerText();

  it('signs in: a page is refused first, then the items view shows the first 50 of all items', async () => {
    await page.goto(`${central.url}/console/items`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.fill('input[name="password"]', 'wrong');
    await page.click('button[type="submit"]');
    await expect(page.locator('#sign-in-error').innerText()).resolves.toMatch(/Wrong password/);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    expect(new URL(page.url()).pathname).toBe('/console/items');
    expect(await pager()).toMatch(new RegExp(`^${HARMLESS + INFECTED} item\\(s\\); page 1 of 3`));
    expect(await page.locator('#items tbody tr').count()).toBe(50);
  });

  it('sorts by a column both ways and pages', async () => {
    await page.click('a[data-sort="fileName"]');
    const up = await column(2);
    expect(up[0]).toBe('/home/u/doc-000.txt');
    expect(up).toEqual([...up].sort());
    await page.click('a[data-sort="fileName"]');
    const down = await column(2);
    expect(down[0]).toBe('/tmp/eicar-9.com');
    await page.click('a[rel="next"]');
    expect(await pager()).toMatch(/page 2 of 3/);
    const both = [...down, ...(await column(2))];
    expect(both).toEqual([...both].sort().reverse());
    expect(new Set(both).size).toBe(100);
    await page.click('a[rel="next"]');
    expect(await page.locator('#items tbody tr').count()).toBe(HARMLESS + INFECTED - 100);
  });

  it('filters by status and searches by name', async () => {
    await page.goto(`${central.url}/console/items`);
    await page.selectOption('select[name="status"]', 'Unneeded');
    await page.click('form.filters button[type="submit"]');
    expect(await pager()).toMatch(new RegExp(`^${INFECTED} item\\(s\\)`));
    expect(new Set(await column(9))).toEqual(new Set(['Unneeded']));
    expect(new Set(await column(10))).toEqual(new Set(['Eicar-Test-Signature']));
    await page.selectOption('select[name="status"]', '');
    await page.fill('input[name="q"]', 'doc-042');
    await page.click('form.filters button[type="submit"]');
    expect(await column(2)).toEqual(['/home/u/doc-042.txt']);
  });

  it('opens an item\'s properties: X- attributes with definitions, status history, an action that moves the status', async () => {
    await page.getByRole('link', { name: '/home/u/doc-042.txt', exact: true }).click();
    expect(await page.locator('h2').innerText()).toBe('Properties of /home/u/doc-042.txt');
    const attrs = await page.locator('#attributes').innerText();
    expect(attrs).toMatch(/X-Sample-File-Name\s+\/home\/u\/doc-042\.txt Path of the infected item/);
    expect(attrs).toMatch(/X-Sample-Checksum\s+[0-9a-f]{64} SHA-256/);
    expect(await page.locator('#history').innerText()).toMatch(/Quarantined[\s\S]*Attention/);
    await page.click('button[data-action="queue"]');
    expect(await page.locator('#notice').innerText()).toMatch(/^queue for automatic analysis: analysed with definitions/);
    const history = await page.locator('#history tr').allInnerTexts();
    expect(history.slice(-2).map((r) => r.split('\t').slice(1, 3).join(' -> '))).toEqual(['Attention -> Released', 'Released -> Attention']);
    await page.fill('input[name="priority"]', '7');
    await page.click('button[data-action="priority"]');
    expect(await page.locator('#requests').innerText()).toMatch(/submission priority\s+set to 7 \(was 0\)/);
  });

  it('restores an item as a download of its exact bytes', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#restore')]);
    expect(download.suggestedFilename()).toBe('doc-042.txt');
    expect(readFileSync((await download.path())!)).toEqual(Buffer.from('harmless 42'));
  });

  it('deletes the selected items (the page script works under the CSP)', async () => {
    await page.goto(`${central.url}/console/items?sort=fileName&dir=asc`);
    await page.check('#select-all');
    expect(await page.locator('input[name="ids"]:checked').count()).toBe(50);
    await page.uncheck('#select-all');
    await page.check('tr[data-id="h000"] input[name="ids"]');
    await page.check('tr[data-id="h001"] input[name="ids"]');
    await page.click('#delete-form button[type="submit"]');
    expect(await pager()).toMatch(new RegExp(`^${HARMLESS + INFECTED - 2} item\\(s\\)`));
    expect((await column(2))[0]).toBe('/home/u/doc-002.txt');
    expect((await rawRequest(`${central.url}/samples/h000`, 'GET', {})).status).toBe(404);
  });

  it('refreshes the items view on its own at the interval saved in the server properties', async () => {
    await page.goto(`${central.url}/console/server`);
    await page.fill('input[name="refreshSec"]', '1');
    await page.click('#save-settings');
    expect(await page.locator('#general').innerText()).toMatch(/Auto-refresh\s+every 1 s/);
    await page.goto(`${central.url}/console/items?q=late-arrival`);
    expect(await page.locator('#items tbody tr').count()).toBe(0);
    await sendSample('late', Buffer.from('late'), '/late-arrival.txt');
    await page.waitForSelector('tr[data-id="late"]', { timeout: 20_000 });
  });
});
