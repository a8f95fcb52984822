export { createEventLogger, detectConsoleMode, LogFileError, type ConsoleMode, type EventLogger, type EventLoggerOptions, type LoggedEvent } from './event-logger.js';
export { readRecentEvents, rotatedName } from './read-events.js';
