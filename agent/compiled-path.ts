import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';

/**
 * The compiled `.js` beside a module, for things that must load a real file (worker threads).
 * Under the test runner the module is the `.ts` source; its compiled twin lives under `dist/`.
 */
export function compiledSibling(moduleUrl: string, name: string): URL {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.js')) return new URL(name, moduleUrl);
  let root = dirname(here);
  while (!root.endsWith('/agent') && root !== '/') root = dirname(root);
  const project = dirname(root);
  return new URL(`file://${join(project, 'dist', relative(project, dirname(here)), name)}`);
}
