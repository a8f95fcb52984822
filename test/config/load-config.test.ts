import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yargs from 'yargs';
import { ConfigError } from '../../agent/config/config-error.js';
import { loadConfig, overridesFromArgv } from '../../agent/config/load-config.js';
import { AGENT_OPTIONS, defaultStateDir } from '../../agent/options/agent-options.js';
import { toYargsOptions } from '../../agent/options/option-spec.js';
import { SCAN_OPTIONS } from '../../agent/options/scan-options.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('loadConfig', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  let count = 0;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-config-'));
    env = { HOME: join(dir, 'home'), EPQ_STATE_DIR: join(dir, 'state') };
  });
  afterAll(() => cleanup());

  /** Writes a config file (JSON value or raw text) in its own folder and returns its path. */
  async function configFile(content: unknown, name = 'config.json'): Promise<string> {
    const folder = join(dir, `cfg-${++count}`);
    await mkdir(folder, { recursive: true });
    const file = join(folder, name);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  }

  /** The ConfigError that loading this content throws. */
  async function failure(content: unknown): Promise<ConfigError & { configPath: string }> {
    const file = await configFile(content);
    const err = await loadConfig({ file, env }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    return Object.assign(err as ConfigError, { configPath: file });
  }

  describe('without a config file', () => {
    it('applies every built-in default, with the state folder and home from the environment', async () => {
      const config = await loadConfig({ env });
      expect(config.configFile).toBeNull();
      expect(config.stateDir).toBe(join(dir, 'state'));
      expect(config.root).toBe('/');
      expect(config.watch).toEqual({ paths: [join(dir, 'home', 'epq-protected')], exclude: [], stableMs: 100, queueLimit: 10_000 });
      expect(config.quarantine).toEqual({ maxSize: 500 * 1024 * 1024, maxAge: 90 * 24 * 3600 * 1000, autoRestore: true, lowSpaceRatio: 0.9 });
      expect(config.definitions).toEqual({ trustedKeys: [], source: null, pollInterval: 3_600_000, maxAge: 7 * 86_400_000, keep: 3 });
      expect(config.central).toEqual({ url: null, retryInterval: 60_000, statusInterval: 3_600_000, stripUserData: false, caFile: null, token: null });
      expect(config.log).toEqual({ file: join(dir, 'state', 'epq.log'), level: 'info', maxSize: 10 * 1024 * 1024, maxFiles: 5 });
      expect(config.scan).toEqual({
        exclude: [], maxFileSize: 0, followSymlinks: false, jobs: 0,
        archives: true, maxScanSize: 100 << 20, maxMemberSize: 25 << 20, maxFiles: 10_000, maxRecursion: 16, maxScanTime: 120_000, alertExceedsMax: false,
      });
    });

    it('follows the real user when EPQ_STATE_DIR is not set', async () => {
      const noStateEnv = { HOME: join(dir, 'home2'), XDG_STATE_HOME: join(dir, 'xdg') };
      const config = await loadConfig({ env: noStateEnv });
      expect(config.stateDir).toBe(defaultStateDir(noStateEnv, process.getuid!()));
      expect(config.log.file).toBe(join(config.stateDir, 'epq.log'));
      expect(config.watch.paths).toEqual([join(dir, 'home2', 'epq-protected')]);
    });

    it('returns a deeply frozen object', async () => {
      const config = await loadConfig({ env });
      expect(Object.isFrozen(config)).toBe(true);
      expect(Object.isFrozen(config.quarantine)).toBe(true);
      expect(Object.isFrozen(config.watch.paths)).toBe(true);
      expect(() => {
        (config.quarantine as { maxSize: number }).maxSize = 1;
      }).toThrow(TypeError);
    });

    it('has exactly the keys of the option registry', async () => {
      const config = await loadConfig({ env });
      const leaves: string[] = [];
      const walk = (node: object, prefix: string): void => {
        for (const [name, value] of Object.entries(node)) {
          const key = prefix ? `${prefix}.${name}` : name;
          if (value !== null && typeof value === 'object' && !Array.isArray(value)) walk(value as object, key);
          else leaves.push(key);
        }
      };
      walk(config, '');
      expect(leaves.sort()).toEqual(['configFile', ...AGENT_OPTIONS.map((s) => s.key)].sort());
    });
  });

  describe('defaultStateDir', () => {
    it('prefers EPQ_STATE_DIR, then /var/lib/epq for root, then the XDG state folder', () => {
      expect(defaultStateDir({ EPQ_STATE_DIR: '/srv/epq', HOME: '/home/ann' }, 0)).toBe('/srv/epq');
      expect(defaultStateDir({ HOME: '/home/ann' }, 0)).toBe('/var/lib/epq');
      expect(defaultStateDir({ HOME: '/home/ann', XDG_STATE_HOME: '/data/state' }, 1000)).toBe('/data/state/epq');
      expect(defaultStateDir({ HOME: '/home/ann' }, 1000)).toBe('/home/ann/.local/state/epq');
      // A relative XDG_STATE_HOME is invalid by the spec and ignored.
      expect(defaultStateDir({ HOME: '/home/ann', XDG_STATE_HOME: 'rel' }, 1000)).toBe('/home/ann/.local/state/epq');
    });
  });

  describe('reading the file', () => {
    it('uses the values of a valid file, with sizes and durations in bytes and milliseconds', async () => {
      const file = await configFile({
        '// note': 'keys starting with // are comments',
        quarantine: { maxSize: '1G', maxAge: '30d', autoRestore: false, lowSpaceRatio: 0.75 },
        watch: { stableMs: '1.5s', queueLimit: 50, exclude: ['*.iso'] },
        central: { url: 'https://central.example:8443/q', stripUserData: true, token: 's3cret' },
        log: { level: 'debug', maxSize: '512K', maxFiles: 3, file: null },
      });
      const config = await loadConfig({ file, env });
      expect(config.configFile).toBe(file);
      expect(config.quarantine).toEqual({ maxSize: 1024 ** 3, maxAge: 30 * 86_400_000, autoRestore: false, lowSpaceRatio: 0.75 });
      expect(config.watch.stableMs).toBe(1500);
      expect(config.watch.queueLimit).toBe(50);
      expect(config.watch.exclude).toEqual(['*.iso']);
      expect(config.central).toMatchObject({ url: 'https://central.example:8443/q', stripUserData: true, token: 's3cret' });
      expect(config.log).toEqual({ file: null, level: 'debug', maxSize: 512 * 1024, maxFiles: 3 });
      expect(config.quarantine.maxAge).not.toBe(0);
    });

    it('accepts 0 as a duration without a unit (keep forever)', async () => {
      const config = await loadConfig({ file: await configFile({ quarantine: { maxAge: 0 } }), env });
      expect(config.quarantine.maxAge).toBe(0);
    });

    it('fails when a named config file does not exist', async () => {
      const missing = join(dir, 'nowhere', 'config.json');
      const err = await loadConfig({ file: missing, env }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toBe(`config file not found: ${missing}`);
      expect((err as ConfigError).file).toBe(missing);
      expect((err as ConfigError).key).toBeNull();
    });

    it('fails when the config file is a folder', async () => {
      const err = await loadConfig({ file: dir, env }).then(() => null, (e: unknown) => e);
      expect((err as ConfigError).message).toBe(`config file is a folder: ${dir}`);
    });

    it('names the file and the line of a JSON syntax error', async () => {
      const err = await failure('{\n  "quarantine": {\n    "maxSize": "1G",\n  }\n}\n');
      expect(err.message).toContain(`config file ${err.configPath} is not valid JSON`);
      expect(err.message).toMatch(/line 4/);
      expect(err.key).toBeNull();
    });

    it('wants an object at the top', async () => {
      const err = await failure(['/home']);
      expect(err.message).toBe(`config file ${err.configPath}: expected a JSON object ({...}) at the top`);
    });
  });

  describe('unknown keys', () => {
    it('suggests the key with the right spelling', async () => {
      const err = await failure({ quarantine: { maxsize: '1G' } });
      expect(err.message).toBe(`config file ${err.configPath}: unknown key "quarantine.maxsize" (did you mean "quarantine.maxSize"?)`);
      expect(err.key).toBe('quarantine.maxsize');
      expect(err.file).toBe(err.configPath);
    });

    it('suggests a near typo', async () => {
      const err = await failure({ watch: { path: ['/srv'] } });
      expect(err.message).toContain('unknown key "watch.path" (did you mean "watch.paths"?)');
    });

    it('suggests every section that has the name', async () => {
      const err = await failure({ maxSize: '1G' });
      expect(err.message).toContain('unknown key "maxSize" (did you mean "quarantine.maxSize" or "log.maxSize"?)');
    });

    it('suggests nothing when nothing is close', async () => {
      const err = await failure({ colourScheme: 'dark' });
      expect(err.message).toBe(`config file ${err.configPath}: unknown key "colourScheme"`);
    });

    it('explains that dots are nesting', async () => {
      const err = await failure({ 'watch.paths': ['/srv'] });
      expect(err.message).toContain('unknown key "watch.paths": dots in a key are nesting, write {"watch": {"paths": ...}}');
    });

    it('wants a section to be an object', async () => {
      const err = await failure({ watch: ['/srv'] });
      expect(err.message).toBe(`config file ${err.configPath}: watch: expected an object with keys paths, exclude, stableMs, queueLimit (got ["/srv"])`);
      expect(err.key).toBe('watch');
    });
  });

  describe('wrong values', () => {
    const cases: [string, unknown, string, string][] = [
      ['a word for a number', { log: { maxFiles: 'many' } }, 'log.maxFiles', 'log.maxFiles: expected a number (got "many")'],
      ['a string for a boolean', { quarantine: { autoRestore: 'yes' } }, 'quarantine.autoRestore', 'quarantine.autoRestore: expected true or false (got "yes")'],
      ['numbers in a list of paths', { watch: { paths: ['/srv', 7] } }, 'watch.paths', 'watch.paths: expected a list of strings (got ["/srv",7])'],
      ['a bad size', { quarantine: { maxSize: '500 MiB' } }, 'quarantine.maxSize', 'quarantine.maxSize: expected a size such as 500M or 1G (got "500 MiB")'],
      ['a negative size', { log: { maxSize: -1 } }, 'log.maxSize', 'log.maxSize: expected a size such as 500M or 1G (got -1)'],
      ['a bad duration', { quarantine: { maxAge: '3 weeks' } }, 'quarantine.maxAge', 'quarantine.maxAge: expected a duration such as 30s, 5m or 1h (got "3 weeks")'],
      ['a duration without a unit', { definitions: { pollInterval: 3600 } }, 'definitions.pollInterval',
        'definitions.pollInterval: expected a duration with a unit such as "200ms", "30s", "5m", "1h" or "90d" (got 3600)'],
      ['a duration string without a unit', { central: { retryInterval: '60' } }, 'central.retryInterval',
        'central.retryInterval: expected a duration with a unit such as "200ms", "30s", "5m", "1h" or "90d" (got "60")'],
      ['a level that does not exist', { log: { level: 'verbose' } }, 'log.level', 'log.level: expected one of error, warn, info, debug (got "verbose")'],
      ['no log files', { log: { maxFiles: 0 } }, 'log.maxFiles', 'log.maxFiles: expected at least 1 (got 0)'],
      ['a ratio above 1', { quarantine: { lowSpaceRatio: 1.5 } }, 'quarantine.lowSpaceRatio', 'quarantine.lowSpaceRatio: expected at most 1 (got 1.5)'],
      ['a fraction of a queue', { watch: { queueLimit: 2.5 } }, 'watch.queueLimit', 'watch.queueLimit: expected a whole number (got 2.5)'],
      ['null where null is not allowed', { root: null }, 'root', 'root: expected a string (got null)'],
      ['a number where a string or null is expected', { central: { caFile: 5 } }, 'central.caFile', 'central.caFile: expected a string or null (got 5)'],
      ['an ftp URL for the Central Quarantine', { central: { url: 'ftp://central.example/' } }, 'central.url', 'central.url: expected an http:// or https:// URL (got "ftp://central.example/")'],
      ['a word for the Central Quarantine URL', { central: { url: 'central.example' } }, 'central.url', 'central.url: expected an http:// or https:// URL (got "central.example")'],
      ['an ftp definitions source', { definitions: { source: 'ftp://x/' } }, 'definitions.source', 'definitions.source: expected an http:// or https:// URL or a folder (got "ftp://x/")'],
      ['an empty path', { stateDir: '' }, 'stateDir', 'stateDir: expected a path, not an empty string (got "")'],
    ];
    it.each(cases)('names the key, the value and what was expected: %s', async (_what, content, key, message) => {
      const err = await failure(content);
      expect(err.message).toBe(`config file ${err.configPath}: ${message}`);
      expect(err.key).toBe(key);
      expect(err.file).toBe(err.configPath);
    });
  });

  describe('paths', () => {
    it('resolves relative paths against the config file folder, ~ against the home folder', async () => {
      const file = await configFile({
        stateDir: '../state-rel',
        root: 'fake-root',
        watch: { paths: ['data', '~/docs', '/abs/folder'], exclude: ['cache/**'] },
        definitions: { trustedKeys: ['keys/publisher.pub'], source: 'updates' },
        central: { caFile: './ca.pem' },
      });
      const folder = join(file, '..');
      const config = await loadConfig({ file, env });
      expect(config.stateDir).toBe(join(folder, '..', 'state-rel'));
      expect(config.root).toBe(join(folder, 'fake-root'));
      expect(config.watch.paths).toEqual([join(folder, 'data'), join(dir, 'home', 'docs'), '/abs/folder']);
      // Globs are patterns, not paths.
      expect(config.watch.exclude).toEqual(['cache/**']);
      expect(config.definitions.trustedKeys).toEqual([join(folder, 'keys', 'publisher.pub')]);
      expect(config.definitions.source).toBe(join(folder, 'updates'));
      expect(config.central.caFile).toBe(join(folder, 'ca.pem'));
      // The log file follows the resolved state folder.
      expect(config.log.file).toBe(join(folder, '..', 'state-rel', 'epq.log'));
    });

    it('keeps an http(s) definitions source as a URL and resolves a relative log file', async () => {
      const file = await configFile({ definitions: { source: 'https://updates.example/epq/' }, log: { file: 'logs/agent.log' } });
      const config = await loadConfig({ file, env });
      expect(config.definitions.source).toBe('https://updates.example/epq/');
      expect(config.log.file).toBe(join(file, '..', 'logs', 'agent.log'));
    });
  });

  describe('overrides', () => {
    it('win over the file; relative override paths resolve against the working folder', async () => {
      const file = await configFile({ log: { level: 'warn' }, root: '/from-file', stateDir: '/from-file-state' });
      const config = await loadConfig({ file, env, overrides: { 'log.level': 'debug', stateDir: 'rel-state', 'watch.paths': '/one' } });
      expect(config.log.level).toBe('debug');
      expect(config.root).toBe('/from-file');
      expect(config.stateDir).toBe(join(process.cwd(), 'rel-state'));
      expect(config.watch.paths).toEqual(['/one']);
    });

    it('names the flag of a bad override', async () => {
      const err = await loadConfig({ env, overrides: { 'log.level': 'loud' } }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toBe('--log-level: expected one of error, warn, info, debug (got "loud")');
      expect((err as ConfigError).file).toBeNull();
      expect((err as ConfigError).key).toBe('log.level');
    });

    it('refuses an unknown override key with a suggestion', async () => {
      const err = await loadConfig({ env, overrides: { 'log.levle': 'info' } }).then(() => null, (e: unknown) => e);
      expect((err as ConfigError).message).toBe('unknown option "log.levle" (did you mean "log.level"?)');
    });

    it('come from a yargs command line without masking the file', async () => {
      const argv = await yargs(['--watch', 'a', '--watch', '/b', '--log-level', 'debug', '--max-filesize', '2M'])
        .options(toYargsOptions(AGENT_OPTIONS, { defaults: false }))
        .strict()
        .parseAsync();
      const overrides = overridesFromArgv(argv);
      expect(overrides).toEqual({ 'watch.paths': ['a', '/b'], 'log.level': 'debug', 'scan.maxFileSize': 2 * 1024 * 1024 });
      const file = await configFile({ root: '/fake', scan: { followSymlinks: true } });
      const config = await loadConfig({ file, env, overrides });
      expect(config.root).toBe('/fake');
      expect(config.scan.followSymlinks).toBe(true);
      expect(config.scan.maxFileSize).toBe(2 * 1024 * 1024);
      expect(config.watch.paths).toEqual([join(process.cwd(), 'a'), '/b']);
    });

    it('leave out flags that are not agent options', () => {
      const configFlag = { key: 'configFile', flag: 'config', type: 'string' as const, default: undefined, help: 'Config file' };
      expect(overridesFromArgv({ config: '/etc/epq/agent.json', 'state-dir': '/s' }, [configFlag, ...AGENT_OPTIONS])).toEqual({ stateDir: '/s' });
    });

    it('leave the scan command defaults in place (toYargsOptions default mode)', () => {
      const options = toYargsOptions(SCAN_OPTIONS);
      expect(options.jobs!.default).toBe(0);
      expect(toYargsOptions(SCAN_OPTIONS, { defaults: false }).jobs!.default).toBeUndefined();
    });
  });
});
