/**
 * The Confluent Schema Registry error model: an HTTP status plus an `error_code` that clients
 * (and Confluent's serializers in every language) switch on. Every failure the registry reports
 * to a client is a RegistryError; anything else becomes 50001.
 */
export class RegistryError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  /** The response body Confluent clients parse. */
  body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const ERROR_CODES = {
  subjectNotFound: 40401,
  versionNotFound: 40402,
  schemaNotFound: 40403,
  subjectSoftDeleted: 40404,
  subjectNotSoftDeleted: 40405,
  versionSoftDeleted: 40406,
  versionNotSoftDeleted: 40407,
  subjectConfigNotFound: 40408,
  incompatibleSchema: 409,
  invalidSchema: 42201,
  invalidVersion: 42202,
  invalidCompatibilityLevel: 42203,
  storeError: 50001,
  operationTimeout: 50002,
} as const;

export const subjectNotFound = (subject: string): RegistryError =>
  new RegistryError(404, ERROR_CODES.subjectNotFound, `Subject '${subject}' not found.`);

export const versionNotFound = (subject: string, version: number | string): RegistryError =>
  new RegistryError(
    404,
    ERROR_CODES.versionNotFound,
    `Version ${version} not found for subject '${subject}'.`,
  );

export const schemaIdNotFound = (id: number | string): RegistryError =>
  new RegistryError(404, ERROR_CODES.schemaNotFound, `Schema ${id} not found`);

export const schemaNotFoundInSubject = (subject: string): RegistryError =>
  new RegistryError(404, ERROR_CODES.schemaNotFound, `Schema not found under subject '${subject}'.`);

export const subjectSoftDeleted = (subject: string): RegistryError =>
  new RegistryError(
    404,
    ERROR_CODES.subjectSoftDeleted,
    `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`,
  );

export const subjectNotSoftDeleted = (subject: string): RegistryError =>
  new RegistryError(
    404,
    ERROR_CODES.subjectNotSoftDeleted,
    `Subject '${subject}' was not deleted first before being permanently deleted`,
  );

export const versionSoftDeleted = (subject: string, version: number): RegistryError =>
  new RegistryError(
    404,
    ERROR_CODES.versionSoftDeleted,
    `Subject '${subject}' Version ${version} was soft deleted. Set permanent=true to delete permanently`,
  );

export const versionNotSoftDeleted = (subject: string, version: number): RegistryError =>
  new RegistryError(
    404,
    ERROR_CODES.versionNotSoftDeleted,
    `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`,
  );

export const subjectConfigNotFound = (subject: string): RegistryError =>
  new RegistryError(
    404,
    ERROR_CODES.subjectConfigNotFound,
    `Subject '${subject}' does not have subject-level compatibility configured`,
  );

export const incompatibleSchema = (subject: string, problems: string[]): RegistryError =>
  new RegistryError(
    409,
    ERROR_CODES.incompatibleSchema,
    `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${problems.join('; ')}]`,
  );

export const invalidSchema = (detail: string): RegistryError =>
  new RegistryError(422, ERROR_CODES.invalidSchema, `Invalid schema: ${detail}`);

export const invalidVersion = (version: string): RegistryError =>
  new RegistryError(
    422,
    ERROR_CODES.invalidVersion,
    `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
  );

export const invalidCompatibilityLevel = (level: unknown): RegistryError =>
  new RegistryError(
    422,
    ERROR_CODES.invalidCompatibilityLevel,
    `Invalid compatibility level ${JSON.stringify(level)}. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive`,
  );

export const storeError = (detail: string): RegistryError =>
  new RegistryError(500, ERROR_CODES.storeError, `Error in the backend data store - ${detail}`);

export const operationTimeout = (detail: string): RegistryError =>
  new RegistryError(500, ERROR_CODES.operationTimeout, `Operation timed out - ${detail}`);
