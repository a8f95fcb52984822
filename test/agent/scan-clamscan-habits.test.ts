import { lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** clamscan's flags and output habits on `epq scan` (issue 14, item 1). */
describe('epq scan with clamscan habits (spawned CLI)', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let state: string[];
  let tree: string;
  let eicarPath: string;

  beforeAll(async () => {
    ({ dir: root, cleanup } = await makeTempDir());
    tree = join(root, 'tree');
    await mkdir(join(tree, 'sub'), { recursive: true });
    eicarPath = join(tree, 'sub', 'eicar.com');
    await writeFile(eicarPath, eicarBytes());
    await writeFile(join(tree, 'clean.txt'), 'nothing here\n');
    // A state folder of our own: the machine's default one may belong to another epq.
    state = ['--state-dir', join(root, 'state')];
  });

  afterAll(() => cleanup());

  it('scans standard input as `-` and names it stdin, exit 1', async () => {
    const r = await runCli(['scan', '-', ...state], { input: eicarBytes().toString('latin1') });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^stdin: Eicar-Test-Signature\.HDB FOUND$/m);
    expect(r.stdout).toMatch(/Scanned files: +1/);
    const clean = await runCli(['scan', '-', ...state], { input: 'hello\n' });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/Infected files: +0/);
  });

  it('scans stdin and paths together, and stdin in --json', async () => {
    const r = await runCli(['scan', '--json', '-', join(tree, 'clean.txt'), ...state], { input: eicarBytes().toString('latin1') });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { detections: { path: string }[]; summary: { files: number; infectedFiles: number } };
    expect(report.detections.map((d) => d.path)).toEqual(['stdin', 'stdin']);
    expect(report.summary).toMatchObject({ files: 2, infectedFiles: 1 });
  });

  it('prints one line per infected file, PATH: NAME FOUND, without offsets', async () => {
    const r = await runCli(['scan', tree, ...state]);
    expect(r.code).toBe(1);
    const found = r.stdout.split('\n').filter((l) => l.endsWith('FOUND'));
    expect(found).toEqual([`${eicarPath}: Eicar-Test-Signature.HDB FOUND`]);
    expect(r.stdout).not.toContain('offset');
  });

  it('--allmatch prints every signature, --verbose adds offsets', async () => {
    const all = await runCli(['scan', '--allmatch', tree, ...state]);
    expect(all.stdout.split('\n').filter((l) => l.endsWith('FOUND')).sort()).toEqual([
      `${eicarPath}: Eicar-Test-Signature FOUND`,
      `${eicarPath}: Eicar-Test-Signature.HDB FOUND`,
    ]);
    const verbose = await runCli(['scan', '-z', '-v', tree, ...state]);
    expect(verbose.stdout).toContain(`${eicarPath}: Eicar-Test-Signature FOUND (offset 0)`);
  });

  it('accepts -r, --recursive, -i and --infected before a path', async () => {
    for (const flags of [['-r'], ['--recursive'], ['-i'], ['--infected'], ['-r', '-i']]) {
      const r = await runCli(['scan', ...flags, tree, ...state]);
      expect({ flags, code: r.code, stderr: r.stderr }).toEqual({ flags, code: 1, stderr: '' });
      expect(r.stdout).toContain(`${eicarPath}: Eicar-Test-Signature.HDB FOUND`);
      expect(r.stdout).not.toContain('clean.txt');
    }
  });

  it('--no-summary leaves the summary out', async () => {
    const r = await runCli(['scan', '--no-summary', tree, ...state]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${eicarPath}: Eicar-Test-Signature.HDB FOUND\n`);
  });

  it('--log appends the report to a file', async () => {
    const log = join(root, 'scan.log');
    await writeFile(log, 'earlier line\n');
    await runCli(['scan', '--log', log, tree, ...state]);
    await runCli(['scan', '-l', log, join(tree, 'clean.txt'), ...state]);
    const text = await readFile(log, 'utf8');
    expect(text.startsWith('earlier line\n')).toBe(true);
    expect(text).toContain(`${eicarPath}: Eicar-Test-Signature.HDB FOUND`);
    expect(text.match(/SCAN SUMMARY/g)).toHaveLength(2);
  });

  it('--file-list / -f scans the listed paths', async () => {
    const list = join(root, 'list.txt');
    await writeFile(list, `${join(tree, 'clean.txt')}\n\n${eicarPath}\n`);
    const r = await runCli(['scan', '-f', list, ...state]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Scanned files: +2/);
    const missing = await runCli(['scan', '--file-list', join(root, 'nope.txt'), ...state]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the file list');
  });

  it('--copy puts an unrunnable copy in a folder and leaves the original', async () => {
    const folder = join(root, 'copies');
    await mkdir(folder);
    const r = await runCli(['scan', '--copy', folder, tree, ...state]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${eicarPath}: copied to '${join(folder, 'eicar.com')}'`);
    expect((await stat(join(folder, 'eicar.com'))).mode & 0o777).toBe(0o400);
    await expect(lstat(eicarPath)).resolves.toBeTruthy();
  });

  it('--move moves the file without overwriting; --remove takes it into the quarantine', async () => {
    const folder = join(root, 'moved');
    await mkdir(folder);
    await writeFile(join(folder, 'eicar.com'), 'already here');
    const r = await runCli(['scan', '--move', folder, tree, ...state]);
    expect(r.code).toBe(1);
    expect((await readdir(folder)).sort()).toEqual(['eicar.com', 'eicar.com.1']);
    expect(await readFile(join(folder, 'eicar.com'), 'utf8')).toBe('already here');
    await expect(lstat(eicarPath)).rejects.toThrow();

    await writeFile(eicarPath, eicarBytes());
    const removed = await runCli(['scan', '--remove', tree, ...state]);
    expect(removed.code).toBe(1);
    expect(removed.stdout).toMatch(/quarantined as \S+/);
    await expect(lstat(eicarPath)).rejects.toThrow();
    const list = await runCli(['quarantine', 'list', '--json', ...state]);
    expect(list.stdout).toContain(eicarPath);
  });

  it('--move keeps a name that is not UTF-8 byte for byte and prints it escaped', async () => {
    const src = join(root, 'latin1');
    const folder = join(root, 'moved-latin1');
    await mkdir(src);
    await mkdir(folder);
    const name = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('.com')]);
    await writeFile(Buffer.concat([Buffer.from(`${src}/`), name]), eicarBytes());
    const r = await runCli(['scan', '--move', folder, src, ...state]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${src}/caf\\xe9.com: moved to '${folder}/caf\\xe9.com'`);
    expect(await readdir(folder, { encoding: 'buffer' })).toEqual([name]);
    expect(await readdir(src)).toEqual([]);
  });

  it('refuses two dispositions at once, and documents each in --help', async () => {
    const r = await runCli(['scan', '--move', root, '--remove', tree, ...state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Choose one of');
    const help = await runCli(['scan', '--help']);
    for (const flag of ['--recursive', '--infected', '--log', '--file-list', '--no-summary', '--move', '--copy', '--remove', '--allmatch']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('an encrypted copy stays in the quarantine');
  });
});
