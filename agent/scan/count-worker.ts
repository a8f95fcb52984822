/**
 * Worker thread entry: counts what a scan will read (count-tree.ts) off the main thread, so the
 * count runs ahead even when the scan itself runs on the main thread (`--jobs 1`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { countTree } from './count-tree.js';
import type { WalkOptions } from './walk.js';

const { paths, options } = workerData as { paths: string[]; options: WalkOptions };
const total = await countTree(paths, options, () => false);
parentPort!.postMessage(total);
