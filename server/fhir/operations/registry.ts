import type { FhirOperation } from './types.js';

/** Every `$operation` the server implements; add one line per operation file. */
export const OPERATIONS: readonly FhirOperation[] = [];
