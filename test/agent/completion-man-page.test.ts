import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SCAN_COMMAND_OPTIONS } from '../../agent/cli/scan-command.js';
import { renderManPage } from '../../agent/cli/man-page.js';
import { AGENT_OPTIONS } from '../../agent/options/agent-options.js';
import type { OptionSpec } from '../../agent/options/option-spec.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('epq completion', () => {
  it('prints the bash script, and the zsh one when asked', async () => {
    const bash = await runCli(['completion', 'bash'], { env: { ...process.env, SHELL: '/bin/zsh' } });
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -o bashdefault -o default -F _epq_yargs_completions epq');
    const zsh = await runCli(['completion', 'zsh'], { env: { ...process.env, SHELL: '/bin/bash' } });
    expect(zsh.code).toBe(0);
    expect(zsh.stdout.startsWith('#compdef epq\n')).toBe(true);
    expect(zsh.stdout).toContain('compdef _epq_yargs_completions epq');
  });

  it('completes commands and the scan flags', async () => {
    const commands = await runCli(['--get-yargs-completions', 'epq', '']);
    for (const c of ['scan', 'quarantine', 'defs', 'completion']) expect(commands.stdout.split('\n')).toContain(c);
    const flags = await runCli(['--get-yargs-completions', 'epq', 'scan', '--']);
    for (const f of ['--allmatch', '--file-list', '--move', '--remove', '--log']) expect(flags.stdout.split('\n')).toContain(f);
  });

  it('the completion script works in bash', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    const bin = join(REPO_ROOT, 'bin');
    // A real bash, the script sourced, and the completion function asked as bash asks it.
    const probe = `epq() { node ${JSON.stringify(join(bin, 'epq.js'))} "$@"; }\n${script}\nCOMP_WORDS=(epq qua); COMP_CWORD=1; _epq_yargs_completions; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', probe], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('quarantine');
  });
});

describe('the epq(1) man page', () => {
  let page: string;

  beforeAll(async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const out = join(dir, 'epq.1');
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/agent/cli/write-man-page.js'), out], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      page = await readFile(out, 'utf8');
    } finally {
      await cleanup();
    }
  });

  const asRoff = (text: string): string => text.replace(/-/g, '\\-');

  it('has every command, every scan flag, every config key and the exit codes', () => {
    for (const c of ['scan', 'agent', 'status', 'quarantine restore', 'exceptions add', 'defs update', 'central serve', 'tray', 'completion']) {
      expect(page).toContain(`.SS epq ${asRoff(c)}`);
    }
    for (const spec of SCAN_COMMAND_OPTIONS) expect(page).toContain(asRoff(`--${spec.flag!}`));
    for (const spec of AGENT_OPTIONS) expect(page).toContain(`.B ${asRoff(spec.key)}`);
    expect(page).toMatch(/\.SH EXIT STATUS\n\.TP\n\.B 0\n[^\n]+\n\.TP\n\.B 1\n[^\n]+\n\.TP\n\.B 2\n/);
  });

  it('is made from the option table: a key added to it appears', () => {
    const added: OptionSpec = { key: 'test.addedKey', flag: 'added-flag', type: 'boolean', default: false, help: 'An option that exists only in this test' };
    const rendered = renderManPage({ version: '9.9.9', commands: [], configOptions: [...AGENT_OPTIONS, added] });
    expect(rendered).toContain('.B test.addedKey " (\\-\\-added\\-flag)"');
    expect(rendered).toContain('An option that exists only in this test');
    expect(renderManPage({ version: '9.9.9', commands: [], configOptions: AGENT_OPTIONS })).not.toContain('test.addedKey');
  });

  it('renders with man without warnings', () => {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
    if (r.error) return; // no groff on this machine: the content checks above still hold
    expect(r.stderr).toBe('');
  });
});
