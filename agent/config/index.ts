export type { AgentConfig } from './agent-config.js';
export { ConfigError } from './config-error.js';
export { loadConfig, overridesFromArgv, type LoadConfigOptions } from './load-config.js';
export { describeConfig, formatDuration, formatOptionValue, formatSize, renderOptionsMarkdown } from './describe-config.js';
