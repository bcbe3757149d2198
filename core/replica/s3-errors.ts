// Turns AWS SDK failures into errors that name the operation, the s3:// location and the S3 error code.

interface SdkErrorShape {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export function httpStatusOf(err: unknown): number | undefined {
  return (err as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

export function isS3NotFound(err: unknown): boolean {
  const e = err as SdkErrorShape | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.Code === 'NoSuchKey' || httpStatusOf(err) === 404;
}

/** An S3 request failed after the SDK's retries; `code` is the S3 error code (e.g. AccessDenied, SlowDown). */
export class S3OperationError extends Error {
  readonly operation: string;
  readonly location: string;
  readonly code: string;
  readonly statusCode?: number;
  constructor(operation: string, location: string, err: unknown) {
    const e = err as SdkErrorShape | undefined;
    const code = e?.Code ?? e?.name ?? 'Error';
    const status = httpStatusOf(err);
    super(`S3 ${operation} ${location} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`, { cause: err });
    this.name = 'S3OperationError';
    this.operation = operation;
    this.location = location;
    this.code = code;
    this.statusCode = status;
  }
}
