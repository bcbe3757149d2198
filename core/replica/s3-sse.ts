// Server-side encryption settings of an S3 replica: SSE-C (customer key) or SSE-KMS, validated up front.
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

export function resolveEncryption(options: S3ReplicaOptions): S3Encryption {
  const hasSseC = Boolean(options.sseCustomerKey || options.sseCustomerKeyPath || options.sseCustomerAlgorithm);
  if (hasSseC && options.sseKmsKeyId) {
    throw new ConfigError('SSE-C (sse-customer-*) and SSE-KMS (sse-kms-key-id) cannot be combined: choose one', { key: 'sse-kms-key-id' });
  }
  if (options.sseKmsKeyId) return { kind: 'sse-kms', keyId: options.sseKmsKeyId };
  if (!hasSseC) return { kind: 'none' };
  const algorithm = options.sseCustomerAlgorithm ?? 'AES256';
  if (algorithm !== 'AES256') {
    throw new ConfigError(`sse-customer-algorithm must be AES256, not "${algorithm}"`, { key: 'sse-customer-algorithm' });
  }
  if (options.sseCustomerKey && options.sseCustomerKeyPath) {
    throw new ConfigError('set either sse-customer-key or sse-customer-key-path, not both', { key: 'sse-customer-key' });
  }
  let key: string;
  if (options.sseCustomerKeyPath) key = loadKeyFile(options.sseCustomerKeyPath);
  else if (options.sseCustomerKey) {
    key = options.sseCustomerKey.trim();
    if (!isKey(Buffer.from(key, 'base64')) || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
      // The key itself stays out of the message.
      throw new ConfigError('sse-customer-key must be the base64 encoding of exactly 32 bytes', { key: 'sse-customer-key' });
    }
  } else {
    throw new ConfigError('sse-customer-algorithm is set but neither sse-customer-key nor sse-customer-key-path is', { key: 'sse-customer-key' });
  }
  return { kind: 'sse-c', algorithm: 'AES256', key };
}
