// Error kinds that decide a CLI exit code: usage and configuration errors exit 2, everything else 1.

/** A bad command line or configuration: the user must change what they asked for. Exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A configuration file problem, naming the file, line and key. Exit code 2. */
export class ConfigError extends UsageError {
  readonly file?: string;
  readonly line?: number;
  readonly key?: string;
  constructor(message: string, where: { file?: string; line?: number; key?: string } = {}) {
    const prefix = [where.file, where.line !== undefined ? `line ${where.line}` : undefined, where.key ? `key "${where.key}"` : undefined]
      .filter(Boolean)
      .join(': ');
    super(prefix ? `${prefix}: ${message}` : message);
    this.name = 'ConfigError';
    this.file = where.file;
    this.line = where.line;
    this.key = where.key;
  }
}

export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError ? err.exitCode : 1;
}
