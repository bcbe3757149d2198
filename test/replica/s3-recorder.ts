// Records the final, signed HTTP requests an S3Client sends, to assert headers and concurrency in tests.
import type { S3Client } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface Recorder {
  requests: RecordedRequest[];
  /** Most requests in flight at the same time, per operation kind ('UploadPart' etc.). */
  maxInFlight: Record<string, number>;
}

export function kindOf(r: { method: string; query: Record<string, unknown> }): string {
  if (r.method === 'PUT' && 'partNumber' in r.query) return 'UploadPart';
  if (r.method === 'POST' && 'uploads' in r.query) return 'CreateMultipartUpload';
  if (r.method === 'POST' && 'uploadId' in r.query) return 'CompleteMultipartUpload';
  if (r.method === 'POST' && 'delete' in r.query) return 'DeleteObjects';
  if (r.method === 'PUT') return 'PutObject';
  if (r.method === 'GET' && 'list-type' in r.query) return 'ListObjectsV2';
  return r.method;
}

export function recordRequests(client: S3Client): Recorder {
  const rec: Recorder = { requests: [], maxInFlight: {} };
  const inFlight: Record<string, number> = {};
  const mw: FinalizeRequestMiddleware<object, MetadataBearer> = (next) => async (args) => {
    const req = args.request as { method: string; path: string; query: Record<string, unknown>; headers: Record<string, string> };
    const entry: RecordedRequest = { method: req.method, path: req.path, query: { ...req.query }, headers: { ...req.headers } };
    rec.requests.push(entry);
    const kind = kindOf(entry);
    inFlight[kind] = (inFlight[kind] ?? 0) + 1;
    rec.maxInFlight[kind] = Math.max(rec.maxInFlight[kind] ?? 0, inFlight[kind]);
    try {
      return await next(args);
    } finally {
      inFlight[kind] -= 1;
    }
  };
  client.middlewareStack.addRelativeTo(mw, { name: 'testRecorder', relation: 'after', toMiddleware: 'httpSigningMiddleware' });
  return rec;
}
