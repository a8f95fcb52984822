import { parseArgs } from 'node:util';

/** Benchmark scripts run by hand; a failure names what failed and leaves via this error. */
export class BenchError extends Error {}

export interface OptionSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly help: string;
  /** Shown in the usage text; string options without one are simply absent when not given. */
  readonly default?: string;
}

export type ParsedOptions = Record<string, string | boolean | undefined>;

/** Parses argv with node:util (no yargs: the bench must not depend on the CLI being written). */
export function parseCli(argv: string[], usage: string, specs: readonly OptionSpec[]): ParsedOptions | null {
  const all = [...specs, { name: 'help', type: 'boolean' as const, help: 'show this help' }];
  const options: Record<string, { type: 'string' | 'boolean'; default?: string }> = {};
  for (const s of all) options[s.name] = s.default === undefined ? { type: s.type } : { type: s.type, default: s.default };
  let values: ParsedOptions;
  try {
    ({ values } = parseArgs({ args: argv, options, allowPositionals: false, strict: true }));
  } catch (err) {
    throw new BenchError(`${(err as Error).message}\nRun with --help for usage.`);
  }
  if (values.help) {
    const width = Math.max(...all.map((s) => s.name.length + (s.type === 'string' ? 4 : 0)));
    const lines = all.map((s) => {
      const left = `--${s.name}${s.type === 'string' ? ' <v>' : ''}`.padEnd(width + 4);
      return `  ${left}${s.help}${s.default !== undefined ? ` (default: ${s.default})` : ''}`;
    });
    process.stdout.write(`${usage.trim()}\n\nOptions:\n${lines.join('\n')}\n`);
    return null;
  }
  return values;
}

/** Integer option with bounds; accepts 1e6 / 3_000 style input as a convenience. */
export function intOption(values: ParsedOptions, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[name];
  const n = Number(String(raw).replaceAll('_', ''));
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new BenchError(`--${name} must be an integer between ${min} and ${max}, got "${String(raw)}"`);
  }
  return n;
}

/** Sizes like 3G, 500M, 123456, in decimal units (1G = 10^9) to match the MB/s figures. */
export function sizeOption(values: ParsedOptions, name: string): number {
  const raw = String(values[name]);
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)B?$/i.exec(raw.trim());
  if (!m) throw new BenchError(`--${name} must be a size such as 3G, 500M or 123456, got "${raw}"`);
  const unit = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[(m[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.round(Number(m[1]) * unit);
}

export function stringOption(values: ParsedOptions, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new BenchError(`--${name} needs a value`);
  return v;
}

/** Shared main wrapper: BenchError → message and exit 2, anything else → stack and exit 2. */
export async function runMain(script: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (err) {
    if (err instanceof BenchError) process.stderr.write(`${script}: ${err.message}\n`);
    else process.stderr.write(`${script}: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  }
}
