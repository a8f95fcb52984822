import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeConfig, formatDuration, formatSize, renderOptionsMarkdown } from '../../agent/config/describe-config.js';
import { loadConfig } from '../../agent/config/load-config.js';
import { AGENT_OPTIONS } from '../../agent/options/agent-options.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('formatSize / formatDuration', () => {
  it('write a value in the largest unit that divides it', () => {
    expect(formatSize(500 * 1024 ** 2)).toBe('500M');
    expect(formatSize(1024 ** 3)).toBe('1G');
    expect(formatSize(1536)).toBe('1536');
    expect(formatSize(3 * 1024)).toBe('3K');
    expect(formatSize(0)).toBe('0');
    expect(formatDuration(90 * 86_400_000)).toBe('90d');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(200)).toBe('200ms');
    expect(formatDuration(0)).toBe('0');
  });
});

describe('describeConfig', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir('epq-describe-')));
  afterAll(() => cleanup());

  it('prints where the config came from and every option, readable and without secrets', async () => {
    await mkdir(join(dir, 'etc'));
    const file = join(dir, 'etc', 'agent.json');
    await writeFile(file, JSON.stringify({ central: { url: 'https://central.example/', token: 'TOP-SECRET' }, watch: { paths: ['/a', '/b'] } }));
    const config = await loadConfig({ file, env: { HOME: dir, EPQ_STATE_DIR: join(dir, 'state') } });
    const lines = describeConfig(config);
    expect(lines[0]).toMatch(new RegExp(`^config file +${file}$`));
    expect(lines).toHaveLength(AGENT_OPTIONS.length + 1);
    expect(lines).toContain(lineFor(lines, 'quarantine.maxSize', '500M'));
    expect(lineFor(lines, 'quarantine.maxSize', '500M')).toMatch(/^quarantine\.maxSize +500M$/);
    expect(lineFor(lines, 'quarantine.maxAge', '90d')).toBeDefined();
    expect(lineFor(lines, 'watch.paths', '/a, /b')).toBeDefined();
    expect(lineFor(lines, 'central.token', '(set)')).toBeDefined();
    expect(lineFor(lines, 'definitions.source', 'none')).toBeDefined();
    expect(lines.join('\n')).not.toContain('TOP-SECRET');
  });

  it('says when the built-in defaults are used', async () => {
    const config = await loadConfig({ env: { HOME: dir, EPQ_STATE_DIR: join(dir, 'state') } });
    expect(describeConfig(config)[0]).toMatch(/^config file +none \(built-in defaults\)$/);
  });
});

/** The line of `key` when it shows `value`; fails the test otherwise. */
function lineFor(lines: string[], key: string, value: string): string {
  const line = lines.find((l) => l.split(/ {2,}/)[0] === key);
  expect(line).toBeDefined();
  expect(line!.split(/ {2,}/)[1]).toBe(value);
  return line!;
}

describe('renderOptionsMarkdown', () => {
  const table = renderOptionsMarkdown();
  const rows = table.split('\n');

  it('has a header and one row per option, in registry order', () => {
    expect(rows[0]).toBe('| key | flag | type | default | meaning |');
    expect(rows[1]).toBe('|---|---|---|---|---|');
    expect(rows.slice(2).map((r) => /^\| `([^`]+)`/.exec(r)?.[1])).toEqual(AGENT_OPTIONS.map((s) => s.key));
  });

  it('shows flags, types, readable defaults and the help', () => {
    expect(rows).toContain('| `quarantine.maxSize` |  | size | `500M` | Maximum size of the quarantine; the oldest items are purged beyond it |');
    expect(rows).toContain('| `log.level` | `--log-level` | error\\|warn\\|info\\|debug | `info` | Least severe events logged |');
    expect(rows.find((r) => r.startsWith('| `definitions.trustedKeys` '))).toMatch(/^\| `definitions.trustedKeys` \| `--pub` \| list of paths \| `none` \|/);
    expect(rows.find((r) => r.startsWith('| `central.url` '))).toMatch(/\| URL or null \| `null` \|/);
    expect(rows.find((r) => r.startsWith('| `log.file` '))).toMatch(/\| path or null \| `<stateDir>\/epq.log` \|/);
    expect(rows.find((r) => r.startsWith('| `quarantine.maxAge` '))).toMatch(/\| duration \| `90d` \|/);
  });

  it('keeps every row at five cells (pipes in text are escaped)', () => {
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(7);
  });
});
