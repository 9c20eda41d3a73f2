/**
 * Typed failures of the wire layer. The server catches these per connection: any of them means
 * the peer sent bytes that are not a Kafka request we can answer, so only that connection is
 * closed and the broker lives on.
 */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A read ran past the end of the frame (truncated or lying length fields). */
export class BufferUnderflowError extends WireError {
  constructor(
    readonly wanted: number,
    readonly available: number,
  ) {
    super(`wanted ${wanted} bytes, only ${available} left`);
  }
}

/** A length or count field holds a value no valid message can have. */
export class InvalidLengthError extends WireError {
  constructor(
    readonly what: string,
    readonly length: number,
  ) {
    super(`invalid ${what} length ${length}`);
  }
}

/** A varint that does not terminate within its maximum width. */
export class InvalidVarintError extends WireError {
  constructor() {
    super('varint is too long');
  }
}

/** A frame's size prefix exceeds the configured maximum (or is negative). */
export class FrameTooLargeError extends WireError {
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(`frame of ${size} bytes exceeds the maximum of ${max}`);
  }
}

/** The request names an API key or version this broker does not speak. */
export class UnsupportedRequestError extends WireError {
  constructor(
    readonly apiKey: number,
    readonly apiVersion: number,
  ) {
    super(`unsupported request: api key ${apiKey} version ${apiVersion}`);
  }
}
