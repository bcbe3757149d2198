// Server-side encryption settings of an S3 replica: SSE-C (customer key) or SSE-KMS, validated up front by one rule
// (encryptionProblem) that the config loader also reports at the key's line.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import type { S3ReplicaOptions } from './options.ts';

export type S3Encryption =
  | { kind: 'none' }
  | { kind: 'sse-c'; algorithm: 'AES256'; /** base64 of 32 bytes */ key: string }
  | { kind: 'sse-kms'; keyId: string };

/** The SDK parameters for writes (PutObject, CreateMultipartUpload, UploadPart). */
export function encryptionWriteParams(e: S3Encryption): Record<string, string> {
  if (e.kind === 'sse-c') return { SSECustomerAlgorithm: e.algorithm, SSECustomerKey: e.key };
  if (e.kind === 'sse-kms') return { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: e.keyId };
  return {};
}

/** The SDK parameters for reads (GetObject, HeadObject): only SSE-C needs the key again. */
export function encryptionReadParams(e: S3Encryption): Record<string, string> {
  return e.kind === 'sse-c' ? { SSECustomerAlgorithm: e.algorithm, SSECustomerKey: e.key } : {};
}

function isKey(bytes: Buffer): boolean {
  return bytes.length === 32;
}

/** Reads a key file: base64 text of 32 bytes, or the 32 raw bytes. */
function loadKeyFile(path: string): string {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read the SSE-C key file ${path}: ${(err as Error).message}`, { key: 'sse-customer-key-path' });
  }
  const text = raw.toString('utf8').trim();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && isKey(Buffer.from(text, 'base64'))) return text;
  if (isKey(raw)) return raw.toString('base64');
  throw new ConfigError(`the SSE-C key file ${path} must hold 32 bytes, raw or base64-encoded`, { key: 'sse-customer-key-path' });
}

export type EncryptionOptions = Pick<S3ReplicaOptions, 'sseCustomerAlgorithm' | 'sseCustomerKey' | 'sseCustomerKeyPath' | 'sseKmsKeyId'>;

/** The key a problem is about, so the config loader can report it at that key's line. */
export type EncryptionKey = 'sse-customer-algorithm' | 'sse-customer-key' | 'sse-customer-key-path' | 'sse-kms-key-id';

function isBase64Key(text: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(text) && isKey(Buffer.from(text, 'base64'));
}

/** The first reason these encryption settings cannot be used (a key file is not read here), or undefined. */
export function encryptionProblem(o: EncryptionOptions): { key: EncryptionKey; message: string } | undefined {
  const customer = Boolean(o.sseCustomerKey || o.sseCustomerKeyPath);
  if (o.sseCustomerKey && o.sseCustomerKeyPath) {
    return { key: 'sse-customer-key-path', message: 'cannot be combined with sse-customer-key; use one of them' };
  }
  if (o.sseCustomerAlgorithm && o.sseCustomerAlgorithm !== 'AES256') {
    return { key: 'sse-customer-algorithm', message: `must be AES256 (the only SSE-C algorithm S3 supports), not ${JSON.stringify(o.sseCustomerAlgorithm)}` };
  }
  if (o.sseCustomerAlgorithm && !customer) {
    return { key: 'sse-customer-algorithm', message: 'is set but neither sse-customer-key nor sse-customer-key-path is' };
  }
  // The key itself stays out of the message.
  if (o.sseCustomerKey && !isBase64Key(o.sseCustomerKey.trim())) {
    return { key: 'sse-customer-key', message: 'must be the base64 encoding of exactly 32 bytes (e.g. `openssl rand -base64 32`)' };
  }
  if (customer && o.sseKmsKeyId) {
    return { key: 'sse-kms-key-id', message: 'cannot be combined with SSE-C (sse-customer-key); choose one kind of server-side encryption' };
  }
  return undefined;
}

export function resolveEncryption(options: S3ReplicaOptions): S3Encryption {
  const problem = encryptionProblem(options);
  if (problem) throw new ConfigError(`${problem.key} ${problem.message}`, { key: problem.key });
  if (options.sseKmsKeyId) return { kind: 'sse-kms', keyId: options.sseKmsKeyId };
  if (options.sseCustomerKeyPath) return { kind: 'sse-c', algorithm: 'AES256', key: loadKeyFile(options.sseCustomerKeyPath) };
  if (options.sseCustomerKey) return { kind: 'sse-c', algorithm: 'AES256', key: options.sseCustomerKey.trim() };
  return { kind: 'none' };
}
