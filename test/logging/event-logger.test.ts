import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { AgentEvent } from '../../agent/events/agent-event.js';
import { createEventLogger, detectConsoleMode, LogFileError, type LoggedEvent } from '../../agent/logging/event-logger.js';
import { readRecentEvents, rotatedName } from '../../agent/logging/read-events.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const quarantined = (i: number): AgentEvent => ({
  name: 'quarantined',
  severity: 'warning',
  message: `Quarantined /home/ann/file-${i}.bin (Eicar-Test-Signature)`,
  data: { path: `/home/ann/file-${i}.bin`, id: i },
});
const started: AgentEvent = { name: 'agent started', severity: 'info', message: 'Agent started with definitions sequence 0' };
const refused: AgentEvent = { name: 'definitions refused', severity: 'error', message: 'Refused defs-9.epqdefs: bad signature', data: { sequence: 9 } };

async function jsonLines(file: string): Promise<LoggedEvent[]> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as LoggedEvent);
}

describe('createEventLogger', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let count = 0;
  const newDir = async (): Promise<string> => {
    const d = join(dir, `case-${++count}`);
    await mkdir(d);
    return d;
  };

  beforeAll(async () => ({ dir, cleanup } = await makeTempDir('epq-log-')));
  afterAll(() => cleanup());

  it('writes one JSON line per event to the log file', async () => {
    const file = join(await newDir(), 'epq.log');
    const before = Date.now();
    const log = createEventLogger({ file, level: 'info', maxSize: 10 * 1024 * 1024, maxFiles: 5, console: 'none' });
    log.sink(started);
    log.sink(quarantined(1));
    log.sink(refused);
    await log.close();
    const records = await jsonLines(file);
    expect(records.map(({ time: _time, ...rest }) => rest)).toEqual([
      { severity: 'info', name: 'agent started', message: 'Agent started with definitions sequence 0' },
      { severity: 'warning', name: 'quarantined', message: 'Quarantined /home/ann/file-1.bin (Eicar-Test-Signature)', data: { path: '/home/ann/file-1.bin', id: 1 } },
      { severity: 'error', name: 'definitions refused', message: 'Refused defs-9.epqdefs: bad signature', data: { sequence: 9 } },
    ]);
    for (const r of records) {
      expect(r.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(r.time)).toBeGreaterThanOrEqual(before - 1000);
    }
  });

  it('creates the log folder and appends to an existing log', async () => {
    const file = join(await newDir(), 'logs', 'deeper', 'epq.log');
    for (const event of [started, refused]) {
      const log = createEventLogger({ file, level: 'info', maxSize: 0, maxFiles: 5, console: 'none' });
      log.sink(event);
      await log.close();
    }
    expect((await jsonLines(file)).map((r) => r.name)).toEqual(['agent started', 'definitions refused']);
  });

  it('leaves out events below the level', async () => {
    const file = join(await newDir(), 'epq.log');
    const log = createEventLogger({ file, level: 'warn', maxSize: 0, maxFiles: 5, console: 'none' });
    log.sink(started);
    log.sink(quarantined(1));
    log.sink(refused);
    await log.close();
    expect((await jsonLines(file)).map((r) => r.severity)).toEqual(['warning', 'error']);
  });

  it('rotates at maxSize, keeps maxFiles files, and loses no line in a burst', async () => {
    const folder = await newDir();
    const file = join(folder, 'epq.log');
    const maxSize = 4000;
    const log = createEventLogger({ file, level: 'info', maxSize, maxFiles: 3, console: 'none' });
    const total = 1000;
    for (let i = 0; i < total; i++) log.sink(quarantined(i));
    await log.close();

    expect((await readdir(folder)).sort()).toEqual(['epq.log', 'epq1.log', 'epq2.log']);
    for (const name of ['epq.log', 'epq1.log', 'epq2.log']) {
      expect((await stat(join(folder, name))).size).toBeLessThanOrEqual(maxSize);
    }
    for (const name of ['epq1.log', 'epq2.log']) {
      expect((await stat(join(folder, name))).size).toBeGreaterThan(maxSize - 200);
    }
    const ids = async (name: string): Promise<number[]> => (await jsonLines(join(folder, name))).map((r) => Number(r.data!['id']));
    // Tailable: epq.log is always the newest, then epq1.log, epq2.log; together a contiguous run ending at the last event.
    const all = [...(await ids('epq2.log')), ...(await ids('epq1.log')), ...(await ids('epq.log'))];
    expect(all[all.length - 1]).toBe(total - 1);
    expect(all).toEqual(Array.from({ length: all.length }, (_, k) => total - all.length + k));
    expect(all.length).toBeGreaterThan(50);
  });

  it('continues the size count of an existing log across restarts', async () => {
    const folder = await newDir();
    const file = join(folder, 'epq.log');
    await writeFile(file, `${'x'.repeat(3990)}\n`);
    const log = createEventLogger({ file, level: 'info', maxSize: 4000, maxFiles: 2, console: 'none' });
    log.sink(started);
    await log.close();
    expect((await readFile(join(folder, 'epq1.log'), 'utf8')).startsWith('xxx')).toBe(true);
    expect((await jsonLines(file)).map((r) => r.name)).toEqual(['agent started']);
  });

  it('gives a line longer than maxSize a file of its own, then goes on', async () => {
    const folder = await newDir();
    const file = join(folder, 'epq.log');
    const log = createEventLogger({ file, level: 'info', maxSize: 500, maxFiles: 4, console: 'none' });
    log.sink(started);
    log.sink({ ...refused, message: 'y'.repeat(2000) });
    log.sink(started);
    await log.close();
    expect((await jsonLines(rotatedName(file, 2))).map((r) => r.name)).toEqual(['agent started']);
    expect((await jsonLines(rotatedName(file, 1))).map((r) => r.message.length)).toEqual([2000]);
    expect((await jsonLines(file)).map((r) => r.name)).toEqual(['agent started']);
  });

  it('with maxFiles 1 starts the log over when it is full', async () => {
    const folder = await newDir();
    const file = join(folder, 'epq.log');
    const log = createEventLogger({ file, level: 'info', maxSize: 1000, maxFiles: 1, console: 'none' });
    for (let i = 0; i < 50; i++) log.sink(quarantined(i));
    await log.close();
    expect(await readdir(folder)).toEqual(['epq.log']);
    const ids = (await jsonLines(file)).map((r) => Number(r.data!['id']));
    expect(ids[ids.length - 1]).toBe(49);
    expect(ids.length).toBeLessThan(50);
  });

  it('starts a new file when the log was moved away (logrotate)', async () => {
    const folder = await newDir();
    const file = join(folder, 'epq.log');
    const log = createEventLogger({ file, level: 'info', maxSize: 0, maxFiles: 5, console: 'none' });
    log.sink(started);
    await rename(file, join(folder, 'epq.log.old'));
    log.sink(refused);
    await log.close();
    expect((await jsonLines(join(folder, 'epq.log.old'))).map((r) => r.name)).toEqual(['agent started']);
    expect((await jsonLines(file)).map((r) => r.name)).toEqual(['definitions refused']);
  });

  it('never rotates when maxSize is 0', async () => {
    const folder = await newDir();
    const log = createEventLogger({ file: join(folder, 'epq.log'), level: 'info', maxSize: 0, maxFiles: 2, console: 'none' });
    for (let i = 0; i < 200; i++) log.sink(quarantined(i));
    await log.close();
    expect(await readdir(folder)).toEqual(['epq.log']);
    expect(await jsonLines(join(folder, 'epq.log'))).toHaveLength(200);
  });

  it('names the path of a log file that cannot be written', async () => {
    const folder = await newDir();
    await writeFile(join(folder, 'a-file'), 'not a folder');
    const underFile = join(folder, 'a-file', 'epq.log');
    expect(() => createEventLogger({ file: underFile, level: 'info', maxSize: 0, maxFiles: 5, console: 'none' })).toThrow(LogFileError);
    expect(() => createEventLogger({ file: underFile, level: 'info', maxSize: 0, maxFiles: 5, console: 'none' }))
      .toThrow(new RegExp(`^cannot write the log file ${underFile}: .*(ENOTDIR|EEXIST)`));
    await expect(readdir(join(folder))).resolves.toEqual(['a-file']);
    let err: unknown;
    try {
      createEventLogger({ file: folder, level: 'info', maxSize: 0, maxFiles: 5, console: 'none' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogFileError);
    expect((err as LogFileError).path).toBe(folder);
    expect((err as LogFileError).message).toContain(`cannot write the log file ${folder}: `);
  });

  it('drops events after close and closes twice without harm', async () => {
    const file = join(await newDir(), 'epq.log');
    const log = createEventLogger({ file, level: 'info', maxSize: 0, maxFiles: 5, console: 'none' });
    log.sink(started);
    await log.close();
    expect(() => log.sink(refused)).not.toThrow();
    await log.close();
    expect((await jsonLines(file)).map((r) => r.name)).toEqual(['agent started']);
  });

  describe('console', () => {
    async function consoleText(options: { console: 'terminal' | 'systemd'; colors?: boolean; level?: 'info' | 'error' }): Promise<string> {
      const stream = new PassThrough();
      let text = '';
      stream.on('data', (d: Buffer) => (text += d.toString()));
      const log = createEventLogger({ file: null, level: options.level ?? 'info', maxSize: 0, maxFiles: 5, stream, ...options });
      log.sink(started);
      log.sink(quarantined(7));
      log.sink(refused);
      await log.close();
      await new Promise((resolve) => setImmediate(resolve));
      return text;
    }

    it('prints readable timestamped lines on a terminal, coloured by severity', async () => {
      const lines = (await consoleText({ console: 'terminal', colors: true })).trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \x1b\[32mINFO \x1b\[0m agent started: Agent started with definitions sequence 0$/);
      expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \x1b\[33mWARN \x1b\[0m quarantined: Quarantined \/home\/ann\/file-7\.bin \(Eicar-Test-Signature\)$/);
      expect(lines[2]).toMatch(/ \x1b\[31mERROR\x1b\[0m definitions refused: Refused defs-9\.epqdefs: bad signature$/);
    });

    it('prints no colour codes when colours are off', async () => {
      const text = await consoleText({ console: 'terminal', colors: false });
      expect(text).not.toContain('\x1b');
      expect(text).toMatch(/ WARN  quarantined: /);
    });

    it('honours the level on the console too', async () => {
      const text = await consoleText({ console: 'terminal', colors: false, level: 'error' });
      expect(text.trimEnd().split('\n')).toHaveLength(1);
      expect(text).toContain('definitions refused');
    });

    it('chooses systemd mode from INVOCATION_ID or JOURNAL_STREAM', () => {
      expect(detectConsoleMode({})).toBe('terminal');
      expect(detectConsoleMode({ INVOCATION_ID: '0123456789abcdef' })).toBe('systemd');
      expect(detectConsoleMode({ JOURNAL_STREAM: '8:12345' })).toBe('systemd');
    });

    it('prints plain lines with a journal priority and no timestamp on stdout under systemd', async () => {
      const moduleUrl = pathToFileURL(join(REPO_ROOT, 'dist', 'agent', 'logging', 'event-logger.js')).href;
      const script = `
        const { createEventLogger, detectConsoleMode } = await import(${JSON.stringify(moduleUrl)});
        const log = createEventLogger({ file: null, level: 'info', maxSize: 0, maxFiles: 5, console: detectConsoleMode() });
        log.sink({ name: 'agent started', severity: 'info', message: 'Agent started' });
        log.sink({ name: 'quarantined', severity: 'warning', message: 'Quarantined /srv/x.bin\\n(Eicar)' });
        log.sink({ name: 'unable to connect', severity: 'error', message: 'Unable to connect to https://central.example/' });
        await log.close();
      `;
      const { code, stdout, stderr } = await runNode(script, { ...process.env, INVOCATION_ID: 'f00d', NO_COLOR: '' });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toBe([
        '<6>agent started: Agent started',
        '<4>quarantined: Quarantined /srv/x.bin\\n(Eicar)',
        '<3>unable to connect: Unable to connect to https://central.example/',
        '',
      ].join('\n'));
    });
  });
});

describe('readRecentEvents', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir('epq-recent-')));
  afterAll(() => cleanup());

  const record = (i: number): string => JSON.stringify({ time: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(), severity: 'info', name: 'restored', message: `Restored item ${i}` });

  it('returns the last n events, oldest first, skipping lines that are not events', async () => {
    const file = join(dir, 'plain.log');
    const lines = [record(1), 'garbage line', record(2), '{"not":"an event"}', record(3), record(4), '{"time":"2025-01-01T00:00:05.000Z","sever'];
    await writeFile(file, lines.join('\n'));
    expect((await readRecentEvents(file, 2)).map((e) => e.message)).toEqual(['Restored item 3', 'Restored item 4']);
    expect((await readRecentEvents(file, 10)).map((e) => e.message)).toEqual(['Restored item 1', 'Restored item 2', 'Restored item 3', 'Restored item 4']);
    expect(await readRecentEvents(file, 0)).toEqual([]);
  });

  it('reads a large file from its end across chunk boundaries', async () => {
    const file = join(dir, 'large.log');
    const all = Array.from({ length: 3000 }, (_, i) => record(i));
    await writeFile(file, `${all.join('\n')}\n`);
    expect((await stat(file)).size).toBeGreaterThan(3 * 64 * 1024);
    const recent = await readRecentEvents(file, 2500);
    expect(recent).toHaveLength(2500);
    expect(recent.map((e) => e.message)).toEqual(Array.from({ length: 2500 }, (_, k) => `Restored item ${500 + k}`));
  });

  it('continues into the rotated files when the current one has too few', async () => {
    const file = join(dir, 'rot.log');
    await writeFile(rotatedName(file, 2), `${[record(1), record(2)].join('\n')}\n`);
    await writeFile(rotatedName(file, 1), `${[record(3), record(4)].join('\n')}\n`);
    await writeFile(file, `${record(5)}\n`);
    expect(rotatedName(file, 1)).toBe(join(dir, 'rot1.log'));
    expect((await readRecentEvents(file, 4)).map((e) => e.message)).toEqual(['Restored item 2', 'Restored item 3', 'Restored item 4', 'Restored item 5']);
    expect(await readRecentEvents(file, 100)).toHaveLength(5);
  });

  it('reads back what the logger wrote', async () => {
    const file = join(dir, 'logger.log');
    const log = createEventLogger({ file, level: 'info', maxSize: 0, maxFiles: 5, console: 'none' });
    for (let i = 0; i < 5; i++) log.sink(quarantined(i));
    await log.close();
    const recent = await readRecentEvents(file, 2);
    expect(recent.map(({ time: _t, ...rest }) => rest)).toEqual([quarantined(3), quarantined(4)]);
  });

  it('is empty when there is no log yet', async () => {
    expect(await readRecentEvents(join(dir, 'never-written.log'), 10)).toEqual([]);
  });
});

function runNode(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
