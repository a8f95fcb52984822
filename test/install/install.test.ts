import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, lstat, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../agent/config/index.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { freezeCheckout, snapshotDiff, snapshotTree } from './tree-snapshot.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to the end, collecting its output. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const modeOf = async (path: string): Promise<string> => ((await stat(path)).mode & 0o7777).toString(8).padStart(4, '0');

let work: string;
let cleanupWork: () => Promise<void>;
/** The frozen checkout the scripts run from. */
let checkout: string;

beforeAll(async () => {
  ({ dir: work, cleanup: cleanupWork } = await makeTempDir('epq-install-'));
  checkout = await freezeCheckout(REPO_ROOT, work);
  await chmod(work, 0o755); // readable by the unprivileged user of the root-check test
});

afterAll(() => cleanupWork());

describe('install/install.sh and uninstall.sh into a DESTDIR', () => {
  let dest: string;
  let cleanup: () => Promise<void>;
  const install = (...args: string[]) => run('bash', [join(checkout, 'install/install.sh'), ...args], { ...process.env, DESTDIR: dest });
  const uninstall = (...args: string[]) => run('bash', [join(checkout, 'install/uninstall.sh'), ...args], { ...process.env, DESTDIR: dest });
  const at = (...parts: string[]): string => join(dest, ...parts);

  beforeAll(async () => {
    ({ dir: dest, cleanup } = await makeTempDir('epq-destdir-'));
    const r = await install();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing was started');
  });

  afterAll(() => cleanup());

  it('installs the program, the config, the state and log folders, the unit and the command', async () => {
    for (const f of ['package.json', 'package-lock.json', 'bin/epq', 'bin/epq.js', 'dist/agent/cli/main.js', 'definitions/builtin/builtin.ndb',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'node_modules/yargs/package.json', 'install/uninstall.sh']) {
      expect(existsSync(at('opt/epq', f))).toBe(true);
    }
    // Production dependencies only, and no build leftovers of the native module.
    for (const f of ['node_modules/jest', 'node_modules/typescript', 'node_modules/better-sqlite3/deps', 'dist/bench']) {
      expect(existsSync(at('opt/epq', f))).toBe(false);
    }
    expect(await modeOf(at('opt/epq/bin/epq'))).toBe('0755');
    expect(await modeOf(at('var/lib/epq'))).toBe('0700');
    expect(await modeOf(at('var/log/epq'))).toBe('0750');
    expect(await modeOf(at('etc/epq/agent.json'))).toBe('0600');
    expect(await modeOf(at('srv/epq-protected'))).toBe('0755');
    expect(await readlink(at('usr/local/bin/epq'))).toBe('/opt/epq/bin/epq');
  });

  it('installs the man page epq(1) and the bash completion, and the unit points at the man page', async () => {
    const page = await readFile(at('usr/local/share/man/man1/epq.1'), 'utf8');
    expect(page).toMatch(/^\.TH EPQ 1 /);
    expect(page).toContain('.SS epq scan');
    expect(await modeOf(at('usr/local/share/man/man1/epq.1'))).toBe('0644');
    const completion = await readFile(at('usr/local/share/bash-completion/completions/epq'), 'utf8');
    expect(completion).toContain('complete -o bashdefault -o default -F _epq_yargs_completions epq');
    expect(completion).toContain('epq --get-yargs-completions');
    expect(await readFile(at('etc/systemd/system/epq-agent.service'), 'utf8')).toContain('\nDocumentation=man:epq(1)\n');
    const rendered = spawnSync('man', ['-l', at('usr/local/share/man/man1/epq.1')], { env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' }, encoding: 'utf8' });
    if (rendered.error === undefined) expect(rendered.stdout).toContain('EXIT STATUS');
  });

  it('writes a config the agent accepts: state, log file, protected folder, no trusted keys', async () => {
    const config = await loadConfig({ file: at('etc/epq/agent.json') });
    expect(config.stateDir).toBe('/var/lib/epq');
    expect(config.log.file).toBe('/var/log/epq/epq.log');
    expect(config.watch.paths).toEqual(['/srv/epq-protected']);
    expect(config.definitions.trustedKeys).toEqual([]);
    expect(JSON.parse(await readFile(at('etc/epq/agent.json'), 'utf8')).definitions['//trustedKeys']).toContain('publisher');
  });

  it('writes a systemd unit that starts the installed program and restarts it on failure', async () => {
    const unit = await readFile(at('etc/systemd/system/epq-agent.service'), 'utf8');
    const lines = unit.split('\n');
    for (const line of ['Type=simple', 'ExecStart=/opt/epq/bin/epq agent --config /etc/epq/agent.json', 'Restart=on-failure',
      'KillSignal=SIGTERM', 'ExecReload=/bin/kill -HUP $MAINPID', 'NoNewPrivileges=yes', 'PrivateTmp=no', 'ProtectSystem=no', 'ProtectHome=no']) {
      expect(lines).toContain(line);
    }
    expect(unit).not.toContain('@PREFIX@');
    if (spawnSync('systemd-analyze', ['--version']).status === 0) {
      // verify wants the ExecStart program to exist: point it into the DESTDIR copy. Its
      // complaints about this unit (unknown keys, bad values) name the file.
      const copy = join(work, 'epq-agent.service');
      await writeFile(copy, unit.replace(/\/opt\/epq\//g, `${at('opt/epq')}/`));
      // It also checks Documentation=man:epq(1): the staged man folder is where man looks.
      const verify = await run('systemd-analyze', ['verify', copy], { ...process.env, MANPATH: at('usr/local/share/man') });
      expect(verify.stderr).not.toContain('epq-agent.service');
      expect(verify.code).toBe(0);
    }
  });

  it('runs the installed epq from the prefix, with its own dependencies and the installed config', async () => {
    const help = await run(at('opt/epq/bin/epq'), ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('epq tray');
    expect(help.stdout).toContain('epq quarantine');
    const state = at('tmp-state');
    const list = await run(at('opt/epq/bin/epq'), ['quarantine', 'list', '--config', at('etc/epq/agent.json'), '--state-dir', state]);
    expect(list.stderr).toBe('');
    expect(list.stdout.trim()).toBe('The quarantine is empty.');
    await run('rm', ['-rf', state]);
    // Its own native addon, found from dist/ under the prefix.
    const probe = `import(${JSON.stringify(at('opt/epq/dist/agent/native/native-binding.js'))}).then((m) => console.log(typeof m.nativeBinding().openat))`;
    const loaded = await run(process.execPath, ['-e', probe]);
    expect(loaded.stdout.trim()).toBe('function');
  });

  it('changes nothing on a second run: contents, modes and times', async () => {
    const before = await snapshotTree(dest);
    const again = await install();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/unchanged +.*\/opt\/epq\n/);
    expect(snapshotDiff(before, await snapshotTree(dest))).toEqual([]);
  });

  it('keeps an edited config and replaces a changed program whole', async () => {
    const config = at('etc/epq/agent.json');
    const edited = (await readFile(config, 'utf8')).replace('"level": "info"', '"level": "debug"');
    await writeFile(config, edited);
    await appendFile(at('opt/epq/dist/stale-file.js'), '// left by an older version\n');
    const r = await install();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/installed +.*\/opt\/epq\n/);
    expect(r.stdout).toMatch(/kept +.*agent\.json/);
    expect(await readFile(config, 'utf8')).toBe(edited);
    expect(existsSync(at('opt/epq/dist/stale-file.js'))).toBe(false);
    expect(existsSync(at('opt/epq/dist/agent/cli/main.js'))).toBe(true);
  });

  it('refuses a Node.js older than 20.19, naming the version it found', async () => {
    const fake = at('fake-node');
    await writeFile(fake, '#!/bin/sh\necho 18.19.0\n');
    await chmod(fake, 0o755);
    const r = await run('bash', [join(checkout, 'install/install.sh')], { ...process.env, DESTDIR: at('other'), NODE: fake });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Node.js 18.19.0 found');
    expect(r.stderr).toContain('>= 20.19');
    expect(existsSync(at('other'))).toBe(false);
  });

  it('refuses to run without root unless DESTDIR is set', async () => {
    const env = { ...process.env };
    delete env.DESTDIR;
    const asUser = process.getuid?.() === 0
      ? run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', join(checkout, 'install/install.sh')], env)
      : run('bash', [join(checkout, 'install/install.sh')], env);
    const r = await asUser;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('must run as root');
    expect(r.stderr).toContain('DESTDIR');
  });

  it('never replaces or removes a prefix that holds something else', async () => {
    const r = await install('--prefix', '/srv');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('does not hold epq');
    const u = await uninstall('--prefix', '/srv');
    expect(u.code).not.toBe(0);
    expect(existsSync(at('srv/epq-protected'))).toBe(true);
  });

  it('uninstalls the program, the unit and the command, keeping the quarantine and the config', async () => {
    await writeFile(at('var/lib/epq/agent.db'), 'quarantine records');
    const r = await uninstall();
    expect(r.code).toBe(0);
    for (const gone of ['opt/epq', 'etc/systemd/system/epq-agent.service']) expect(existsSync(at(gone))).toBe(false);
    await expect(lstat(at('usr/local/bin/epq'))).rejects.toThrow(/ENOENT/);
    for (const gone of ['usr/local/share/man/man1/epq.1', 'usr/local/share/bash-completion/completions/epq']) expect(existsSync(at(gone))).toBe(false);
    for (const kept of ['var/lib/epq/agent.db', 'etc/epq/agent.json', 'var/log/epq', 'srv/epq-protected']) expect(existsSync(at(kept))).toBe(true);
    expect(r.stdout).toContain('--purge deletes them');
  });

  it('--purge also deletes the state, the config and the logs', async () => {
    const r = await uninstall('--purge');
    expect(r.code).toBe(0);
    for (const gone of ['var/lib/epq', 'etc/epq', 'var/log/epq', 'srv/epq-protected']) expect(existsSync(at(gone))).toBe(false);
  });
});

describe('install.sh with another prefix', () => {
  it('puts the prefix in the unit and the command link', async () => {
    const { dir, cleanup } = await makeTempDir('epq-destdir-');
    try {
      const r = await run('bash', [join(checkout, 'install/install.sh'), '--prefix', '/usr/lib/epq-test'], { ...process.env, DESTDIR: dir });
      expect(r.code).toBe(0);
      expect(await readFile(join(dir, 'etc/systemd/system/epq-agent.service'), 'utf8')).toContain('ExecStart=/usr/lib/epq-test/bin/epq agent --config /etc/epq/agent.json');
      expect(await readlink(join(dir, 'usr/local/bin/epq'))).toBe('/usr/lib/epq-test/bin/epq');
      expect((await run(join(dir, 'usr/lib/epq-test/bin/epq'), ['--version'])).stdout.trim()).toBe('0.1.0');
    } finally {
      await cleanup();
    }
  });
});
