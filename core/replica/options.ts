// Settings of one replica as configured (core/config fills in only what is written); for S3, resolvedS3Settings
// (s3-config.ts) applies defaults and provider rules once, for the client and for `streambed config`.

export interface S3ReplicaOptions {
  type: 's3';
  bucket: string;
  /** Key prefix, without leading or trailing slash ('' for the bucket root). */
  path: string;
  region?: string;
  endpoint?: string;
  /** As configured (key, URL query or provider URL host); unset: path-style for any custom endpoint. */
  forcePathStyle?: boolean;
  skipVerify?: boolean;
  /** Default true. */
  signPayload?: boolean;
  /** Default true. */
  requireContentMD5?: boolean;
  storageClass?: string;
  /** Bytes; default 5 MiB, minimum 5 MiB. */
  partSize?: number;
  /** Parallel part uploads; default 5 (2 for R2). */
  concurrency?: number;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  sseCustomerAlgorithm?: string;
  /** Base64 of 32 bytes. */
  sseCustomerKey?: string;
  sseCustomerKeyPath?: string;
  sseKmsKeyId?: string;
  /** Overrides of the per-endpoint checksum default ('WHEN_SUPPORTED' on AWS, 'WHEN_REQUIRED' on custom endpoints). */
  requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  responseChecksumValidation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Extra headers some providers need (Tigris: X-Tigris-Consistent). */
  extraHeaders?: Record<string, string>;
}

export interface FileReplicaOptions {
  type: 'file';
  /** Root directory of the replica. */
  path: string;
}

export type ReplicaOptions = S3ReplicaOptions | FileReplicaOptions;

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_CONCURRENCY = 5;
