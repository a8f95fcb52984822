/** Who and where this agent runs: the user, computer and address fields of quarantined items. */
import { userInfo } from 'node:os';

export interface MachineIdentity {
  /** The user the agent runs as. */
  readonly user: string;
  /** Host name. */
  readonly computer: string;
  /** First non-internal IPv4 address (of the default interface when it has one); null when offline. */
  readonly address: string | null;
}

let cached: Promise<MachineIdentity> | undefined;

/** Computed once per process (systeminformation spawns helpers), then cached. */
export function machineIdentity(): Promise<MachineIdentity> {
  cached ??= lookUp().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function lookUp(): Promise<MachineIdentity> {
  // Loaded on first use: it costs ~0.1 s at start-up, which every CLI command would pay.
  const { default: si } = await import('systeminformation');
  const [os, interfaces] = await Promise.all([si.osInfo(), si.networkInterfaces()]);
  const list = Array.isArray(interfaces) ? interfaces : [interfaces];
  const candidates = list.filter((i) => !i.internal && typeof i.ip4 === 'string' && i.ip4 !== '');
  const chosen = candidates.find((i) => i.default) ?? candidates[0];
  return Object.freeze({ user: currentUser(), computer: os.hostname, address: chosen?.ip4 ?? null });
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // A uid without a passwd entry (some containers).
    return process.env.USER ?? String(process.getuid?.() ?? 'unknown');
  }
}
