// Turns one SQS message body (an S3 event notification, possibly SNS-wrapped) into the objects it announces.
import { decodeEventKey } from '../shared/ltx-keys.ts';

export interface CreatedObject {
  bucket: string;
  key: string;
}

interface S3NotificationRecord {
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `s3:TestEvent` (sent once when the notification is configured) announces nothing. Anything that is not an S3
 * notification throws, so the message is retried and ends in the dead-letter queue where someone can look at it.
 */
export function createdObjectsOf(body: string): CreatedObject[] {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    throw new Error(`SQS message body is not JSON (starts ${JSON.stringify(body.slice(0, 40))}): expected an S3 event notification`);
  }
  if (!isRecord(message)) throw new Error('SQS message body is not a JSON object: expected an S3 event notification');
  if (message.Event === 's3:TestEvent') return [];
  if (message.Type === 'Notification' && typeof message.Message === 'string') return createdObjectsOf(message.Message);
  if (!Array.isArray(message.Records)) throw new Error('SQS message body has no "Records" array: expected an S3 event notification');
  const out: CreatedObject[] = [];
  for (const record of message.Records as S3NotificationRecord[]) {
    if (!record?.eventName?.startsWith('ObjectCreated:')) continue;
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (!bucket || key === undefined) throw new Error(`S3 notification record ${record.eventName} has no bucket name or object key`);
    out.push({ bucket, key: decodeEventKey(key) });
  }
  return out;
}
