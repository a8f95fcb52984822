export { acquireAgentLock, readAgentStatus, AgentLockError, LOCK_FILE_NAME, type AgentLock, type AgentStatus, type LockRole } from './agent-lock.js';
export { ensureStateDir, StateDirError, type StateDir } from './state-dir.js';
export { machineIdentity, type MachineIdentity } from './machine-identity.js';
export { prepareWatchPaths, type WatchPathsReport } from './protected-folders.js';
