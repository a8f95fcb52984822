import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { eicarBytes } from '../helpers/eicar.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Names an attacker who owns a scanned folder can give a file. */
const HOSTILE = [
  'new\nline.com',
  '\x1b]0;owned\x07title.com',
  '\x1b[2J\x1b[Hclear.com',
  '\x1b[41mred.com',
  'bell\x07.com',
  '\u202emoc.exe',
  '\u009b31mc1.com',
  `${'漢'.repeat(81)}.com`, // 247 bytes: near the 255-byte limit
  '👩‍👩‍👧 family.com',
];

/** Every line of a human output: nothing but printable text (the line breaks are ours). */
function expectInertLines(text: string): string[] {
  const lines = text.split('\n');
  for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u);
  return lines;
}

describe('hostile text through every human printer (spawned CLI)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let ctx: string[];
  let home: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-hostile-'));
    home = join(dir, 'scan');
    await import('node:fs/promises').then((fs) => fs.mkdir(home));
    for (const name of HOSTILE) await writeFile(join(home, name), eicarBytes());
    ctx = ['--state-dir', join(dir, 'state')];
  });
  afterAll(() => cleanup());

  it('scan: one escaped line per detection, none forged by a newline', async () => {
    const r = await runCli(['scan', home]);
    expect(r.code).toBe(1);
    const lines = expectInertLines(r.stdout).filter((l) => l.includes('FOUND'));
    // Every report line starts with the scanned folder: a newline in a name started none.
    for (const line of lines) expect(line.startsWith(`${home}/`)).toBe(true);
    expect(new Set(lines.map((l) => l.slice(0, l.lastIndexOf(': ')))).size).toBe(HOSTILE.length);
    expect(r.stdout).toContain(`${home}/new\\nline.com: `);
    expect(r.stdout).toContain(`${home}/\\x1b]0;owned\\x07title.com: `);
    expect(r.stdout).toContain(`${home}/\\u202emoc.exe: `);
    expectInertLines(r.stderr);
  });

  it('quarantine list and show, exceptions list, and error messages echoing input', async () => {
    const q = await runCli(['scan', '--action', 'quarantine', home, ...ctx]);
    expect(q.code).toBe(1);
    expectInertLines(q.stdout);
    expect(q.stdout.match(/: quarantined as /g)).toHaveLength(HOSTILE.length);

    const list = await runCli(['quarantine', 'list', ...ctx]);
    expect(list.code).toBe(0);
    const rows = expectInertLines(list.stdout.trimEnd());
    expect(rows).toHaveLength(HOSTILE.length + 1);
    // Aligned by display width: the User column starts at the same column on every row.
    const stringWidth = (await import('string-width')).default;
    const userColumn = rows.slice(1).map((row) => stringWidth(row.slice(0, row.indexOf(' root ') + 1)));
    expect(new Set(userColumn).size).toBe(1);

    const items = JSON.parse((await runCli(['quarantine', 'list', '--json', ...ctx])).stdout) as { id: string; fileName: string }[];
    expect(items.map((i) => i.fileName).sort()).toEqual([...HOSTILE].sort()); // --json keeps the exact names
    // Three names cover every kind (a newline, an OSC and clear-screen, a wide name); each spawn costs.
    for (const item of items.filter((i) => /\n|\x1b\]|^漢/.test(i.fileName))) {
      const show = await runCli(['quarantine', 'show', item.id, ...ctx]);
      expect(show.code).toBe(0);
      const lines = expectInertLines(show.stdout.trimEnd());
      expect(lines.filter((l) => l.startsWith('File name'))).toHaveLength(1);
    }

    const add = await runCli(['exceptions', 'add', '--path', `${home}/\x1b[2Jnew\nline`, ...ctx]);
    expectInertLines(add.stdout);
    const exceptions = await runCli(['exceptions', 'list', ...ctx]);
    expect(expectInertLines(exceptions.stdout.trimEnd())).toHaveLength(2);
    expect(exceptions.stdout).toContain('\\x1b[2Jnew\\nline');

    const missing = await runCli(['quarantine', 'show', 'nope\x1b]0;x\x07\nforged', ...ctx]);
    expect(missing.code).toBe(2);
    expect(expectInertLines(missing.stderr.trimEnd())).toHaveLength(1);
    expect(missing.stderr).toContain('nope\\x1b]0;x\\x07\\nforged');
  }, 180_000);

  it('exceptions remove with an id that is not a number says so', async () => {
    const r = await runCli(['exceptions', 'remove', 'abc', ...ctx]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"abc" is not an exception id/);
    expect(r.stderr).not.toContain('NaN');
  });

  it('central list: what a server sends back is escaped', async () => {
    const sample = {
      id: 'evil\x1b[2J', fileName: 'x\nforged row', user: '\x1b]0;t\x07', computer: 'pc\u202e', address: null, size: 1, checksum: 'c',
      dateQuarantined: '2026-01-01T00:00:00Z', dateReceived: '2026-01-01T00:00:00Z', dateAnalyzed: null, state: 'infected\x07', status: 's',
      virus: 'V\x1b[41m', endpointVirus: 'V', endpointSequence: 1, scanSequence: 1, definitionsNeeded: null,
      errors: [{ word: 'w\nx', message: 'm', at: '2026-01-01T00:00:00Z' }], priority: 0, sideEffects: 0, receipts: 1,
    };
    const server: Server = createServer((_req, res) => res.end(JSON.stringify({ samples: [sample] })));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await runCli(['central', 'list', '--url', url]);
      expect(r.code).toBe(0);
      expect(expectInertLines(r.stdout.trimEnd())).toHaveLength(2);
      expect(r.stdout).toContain('x\\nforged row');
    } finally {
      server.close();
    }
  });

  it('dates are local time with the zone offset', async () => {
    const r = await runCli(['quarantine', 'list', ...ctx], { env: { ...process.env, TZ: 'Asia/Tokyo' } });
    expect(r.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0900/);
  });
});

describe('a reader that leaves: epq scan --action quarantine DIR | head -1', () => {
  it('quarantines every file and exits with the detections code', async () => {
    const { dir, cleanup } = await makeTempDir('epq-epipe-');
    try {
      const folder = join(dir, 'files');
      await import('node:fs/promises').then((fs) => fs.mkdir(folder));
      for (let i = 0; i < 300; i++) await writeFile(join(folder, `f${i}.com`), eicarBytes());
      const state = join(dir, 'state');
      const script = `node bin/epq.js scan --action quarantine --jobs 1 --state-dir "$1" "$2" | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`;
      const run = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn('bash', ['-c', script, 'bash', state, folder], { cwd: REPO_ROOT });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', () => resolve({ stdout, stderr }));
      });
      expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('exit=1');
      expect(run.stderr).not.toMatch(/EPIPE|Error/);
      const items = JSON.parse((await runCli(['quarantine', 'list', '--json', '--state-dir', state])).stdout) as unknown[];
      expect(items).toHaveLength(300);
    } finally {
      await cleanup();
    }
  }, 300_000);
});
