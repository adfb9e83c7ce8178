import { codeSystemLookup } from './codesystem-lookup.js';
import { codeSystemSubsumes } from './codesystem-subsumes.js';
import { codeSystemValidateCode } from './codesystem-validate-code.js';
import { conceptMapTranslate } from './conceptmap-translate.js';
import { bulkImport, importPollStatus } from './import.js';
import { reindex, reindexStatus } from './reindex.js';
import type { FhirOperation } from './types.js';
import { resourceValidate } from './validate.js';
import { valueSetExpand } from './valueset-expand.js';
import { valueSetValidateCode } from './valueset-validate-code.js';

/** Every `$operation` the server implements; add one line per operation file. */
export const OPERATIONS: readonly FhirOperation[] = [
  bulkImport,
  importPollStatus,
  reindex,
  reindexStatus,
  resourceValidate,
  valueSetExpand,
  valueSetValidateCode,
  codeSystemValidateCode,
  codeSystemLookup,
  codeSystemSubsumes,
  conceptMapTranslate,
];
