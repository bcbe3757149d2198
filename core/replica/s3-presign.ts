// A presigned GET URL for one object, signed with the replica client's own credentials (the Lambda role's in the restore function).
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { createHash, createHmac } from 'node:crypto';

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** What SignatureV4 needs from a hash: node:crypto behind its interface. */
class NodeSha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

interface Captured {
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
}

class CapturedRequest extends Error {
  readonly request: Captured;
  constructor(request: Captured) {
    super('request captured');
    this.request = request;
  }
}

/**
 * The host and path the client would use for a GetObject (virtual-hosted or path style, any region or endpoint),
 * taken from the built request and never sent.
 */
async function getObjectLocation(s3: S3Client, bucket: string, key: string): Promise<Captured> {
  const command = new GetObjectCommand({ Bucket: bucket, Key: key });
  command.middlewareStack.add(
    () => async (args) => {
      const r = args.request as Captured;
      throw new CapturedRequest({ protocol: r.protocol, hostname: r.hostname, ...(r.port ? { port: r.port } : {}), path: r.path });
    },
    { step: 'build', priority: 'low', name: 'streambedCaptureRequest' },
  );
  try {
    await s3.send(command);
  } catch (err) {
    if (err instanceof CapturedRequest) return err.request;
    throw err;
  }
  throw new Error('GetObject was not captured');
}

/** A GET URL valid for `expiresInSeconds` (at most as long as the role session behind it). */
export async function presignGetObject(s3: S3Client, bucket: string, key: string, expiresInSeconds: number): Promise<string> {
  const at = await getObjectLocation(s3, bucket, key);
  const host = at.port ? `${at.hostname}:${at.port}` : at.hostname;
  const signer = new SignatureV4({ credentials: s3.config.credentials, region: await s3.config.region(), service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.presign({ method: 'GET', protocol: at.protocol, hostname: at.hostname, ...(at.port ? { port: at.port } : {}), path: at.path, query: {}, headers: { host } }, { expiresIn: expiresInSeconds });
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${at.protocol}//${host}${at.path}?${query}`;
}
