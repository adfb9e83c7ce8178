import type { Issue } from '../../../errors/issue.js';
import type { JsonObject } from '../../model/json-object.js';
import type { Validator } from '../index.js';
import type { ThreadItem } from './messages.js';
import type { ValidationThreads } from './validation-threads.js';

/** A resource to validate among many: the object for the request thread, its stored text for a worker thread. */
export interface ManyItem extends ThreadItem {
  readonly resource: JsonObject;
}

/** Validates runs of resources, possibly off the request thread. */
export interface ManyValidator {
  /** The issues of each item, in order. Never rejects because an item is invalid. */
  validateMany(items: readonly ManyItem[]): Promise<Issue[][]>;
}

/**
 * Runs of resources validated by the threads when one takes them, else by
 * `validator` on the request thread (VALIDATION_THREADS=0, small runs, no thread
 * ready yet, or a thread that died): the same answer either way.
 */
export function manyValidator(validator: Validator, threads?: ValidationThreads): ManyValidator {
  return {
    async validateMany(items) {
      return (await threads?.offer(items)) ?? items.map((i) => validator.validate(i.resource));
    },
  };
}
