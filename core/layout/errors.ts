// The error raised when a file name, key or level does not follow the Litestream storage layout.

/** A name, key or level that does not follow the layout; the message names it and the expected form. */
export class LayoutError extends Error {
  readonly input: string;
  constructor(message: string, input: string) {
    super(message);
    this.name = 'LayoutError';
    this.input = input;
  }
}
