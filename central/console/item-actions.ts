import type { CentralQuarantine } from '../central-quarantine.js';

const MAX_PRIORITY = 1000;

/**
 * Runs one action of an item's properties and records it in the item's history: set the
 * submission priority, queue for automatic analysis (the server analyses it again with its
 * definitions), or query for updated definitions (answered from the server's definitions).
 * Returns the outcome to show, or null when there is no such item. Never throws.
 */
export function runItemAction(central: CentralQuarantine, id: string, form: URLSearchParams, log: (line: string) => void): string | null {
  const sample = central.records.get(id);
  if (!sample) return null;
  const now = new Date().toISOString();
  const record = (action: string, detail: string): string => {
    central.records.history.recordRequest(id, { action, detail, at: now });
    log(`console: ${action} for ${id}: ${detail}`);
    return `${action}: ${detail}`;
  };
  switch (form.get('action')) {
    case 'priority': {
      const priority = Number(form.get('priority'));
      if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) return record('submission priority', `refused: ${JSON.stringify(form.get('priority'))} is not a whole number from 0 to ${MAX_PRIORITY}`);
      central.records.setPriority(id, priority);
      return record('submission priority', `set to ${priority} (was ${sample.priority})`);
    }
    case 'queue': {
      const outcome = central.analyseAgain(id, log);
      const after = central.records.get(id);
      return record('queue for automatic analysis', outcome === 'failed' ? 'analysis failed (see Errors)' : `analysed with definitions ${central.definitions.label}: ${after?.state ?? '?'}, ${after?.status ?? '?'}`);
    }
    case 'query-definitions': {
      const seq = central.definitions.sequence;
      const needed = sample.definitionsNeeded;
      const detail = seq === null ? 'the server\'s definitions have no sequence (a ClamAV folder)'
        : needed === null ? `server definitions sequence ${seq}; this sample needs no newer definitions`
          : seq >= needed ? `server definitions sequence ${seq} include the needed sequence ${needed}` : `server definitions sequence ${seq}; sequence ${needed} is still needed`;
      return record('query for updated definitions', detail);
    }
    default:
      return record('unknown action', `refused: ${JSON.stringify(form.get('action'))}`);
  }
}
