/** The fields of an ajv error that a rejection's `details` shows (the precompiled validators make the same objects). */
export interface ValidationError {
  instancePath: string;
  message?: string | undefined;
}

/** One line of a 400's `details`: where in the body, and what is wrong there. */
export function describeError(error: ValidationError): string {
  return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`;
}
