import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, readdir, readFile, readlink, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * Every entry under `dir` as one line: path, type, mode, modification time, and the content's
 * SHA-256 (files) or target (links). Two equal snapshots mean nothing was written in between.
 */
export async function snapshotTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path);
    const rel = relative(dir, path) || '.';
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isSymbolicLink()) {
      out.set(rel, `link ${mode} ${info.mtimeMs} -> ${await readlink(path)}`);
    } else if (info.isDirectory()) {
      out.set(rel, `dir ${mode} ${info.mtimeMs}`);
      for (const name of (await readdir(path)).sort()) await walk(join(path, name));
    } else {
      const hash = createHash('sha256').update(await readFile(path)).digest('hex');
      out.set(rel, `file ${mode} ${info.mtimeMs} ${hash}`);
    }
  };
  await walk(dir);
  return out;
}

/** The entries that differ between two snapshots, for a readable failure. */
export function snapshotDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: ${a.get(k) ?? '(absent)'} => ${b.get(k) ?? '(absent)'}`);
}

/**
 * A still copy of what install.sh reads from the checkout (the built program and the install
 * scripts), so that a rebuild of the working tree while the tests run does not count as a
 * change of the program. node_modules is linked: only `npm ci` changes it.
 */
export async function freezeCheckout(repo: string, into: string): Promise<string> {
  const src = join(into, 'checkout');
  await mkdir(join(src, 'definitions'), { recursive: true });
  for (const part of ['package.json', 'package-lock.json', 'README.md', 'bin', 'dist', 'install']) {
    await cp(join(repo, part), join(src, part), { recursive: true, preserveTimestamps: true });
  }
  await cp(join(repo, 'definitions', 'builtin'), join(src, 'definitions', 'builtin'), { recursive: true, preserveTimestamps: true });
  // The native addon npm ci built; install.sh copies it beside dist/.
  await mkdir(join(src, 'build', 'Release'), { recursive: true });
  await cp(join(repo, 'build', 'Release', 'epq_native.node'), join(src, 'build', 'Release', 'epq_native.node'), { preserveTimestamps: true });
  await symlink(join(repo, 'node_modules'), join(src, 'node_modules'));
  return src;
}
