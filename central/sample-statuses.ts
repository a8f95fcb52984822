/**
 * The sample statuses of the guide's Appendix A (Table A-1), each with its one-line meaning.
 * Today the server sets `Quarantined` on arrival, then `Needed`, `Unneeded` or `Attention`
 * after its scan, and `Released` while an analyst's re-analysis runs; the other statuses
 * belong to the definitions delivery (defcast) and are listed so that history and filters
 * already know them.
 */
export const SAMPLE_STATUSES: Readonly<Record<string, string>> = {
  Quarantined: 'The Central Quarantine received the sample.',
  Submitted: 'The sample has been submitted for analysis.',
  Held: 'The sample is withheld from submission.',
  Released: 'The sample has been queued for analysis.',
  Needed: 'New definitions are required for the sample.',
  Available: 'New definitions are held for delivery to the submitting computer.',
  Distribute: 'New definitions are queued for delivery to the submitting computer.',
  Distributed: 'New definitions have been delivered to the submitting computer.',
  Installed: 'New definitions have been installed on the submitting computer.',
  'Not installed': 'Definitions cannot be delivered to the submitting computer.',
  Unneeded: 'New definitions are not required for the sample.',
  Error: 'A processing error occurred.',
  Attention: 'The sample requires intervention from technical support.',
  Restart: 'Sample processing starts again.',
};

/** The sample states the server sets today (Appendix A, final states). */
export const SAMPLE_STATES: readonly string[] = ['infected', 'misfired', 'uninfected', 'uninfectable'];
