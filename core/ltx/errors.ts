// LTX format errors: every one names the file and the byte offset where decoding failed.

export class LtxFormatError extends Error {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, what: string) {
    super(`${file}: offset ${offset}: ${what}`);
    this.name = 'LtxFormatError';
    this.file = file;
    this.offset = offset;
  }
}
