/** Why a terminology request cannot be answered; operations map it to an OperationOutcome. */
export type TerminologyErrorKind = 'not-found' | 'not-supported' | 'invalid' | 'too-costly';

export class TerminologyError extends Error {
  constructor(
    readonly kind: TerminologyErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'TerminologyError';
  }
}
