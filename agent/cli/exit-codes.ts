/** The CLI's documented exit codes. */
export const EXIT_CLEAN = 0;
export const EXIT_DETECTIONS = 1;
export const EXIT_ERROR = 2;
