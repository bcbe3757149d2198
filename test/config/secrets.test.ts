// Secrets never appear in the printed configuration, in notes, or in error messages.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { effectiveConfigJson } from '../../core/config/effective.ts';
import { parseConfigText } from '../../core/config/load.ts';
import { cleanEnv, hasStackTrace, runCli } from './run-cli.ts';

const SSE_KEY = Buffer.from('S3CR3T-SSE-KEY-0123456789abcdef!').toString('base64'); // 32 bytes
const SECRETS = ['AKIAGLOBALSECRETID', 'GlobalSecretAccessKeyValue', 'AKIAREPLICASECRETID', 'ReplicaSecretAccessKeyValue',
  SSE_KEY, 'AKIAFROMENVIRONMENT', 'EnvSecretAccessKeyValue', 'SftpPasswordValue', 'AzureAccountKeyValue', 'UrlUserPassword'];

const FULL = `access-key-id: AKIAGLOBALSECRETID
secret-access-key: GlobalSecretAccessKeyValue
dbs:
  - path: /data/a.db
    replica:
      url: s3://bucket/a
  - path: /data/b.db
    replica:
      type: s3
      bucket: b
      access-key-id: AKIAREPLICASECRETID
      secret-access-key: ReplicaSecretAccessKeyValue
      sse-customer-key: ${SSE_KEY}
      password: SftpPasswordValue
      account-key: AzureAccountKeyValue
  - path: /data/c.db
    replica:
      url: "s3://bucket/c?sseCustomerKey=${encodeURIComponent(SSE_KEY)}"
`;

const ENV = { LITESTREAM_ACCESS_KEY_ID: 'AKIAFROMENVIRONMENT', LITESTREAM_SECRET_ACCESS_KEY: 'EnvSecretAccessKeyValue' };

function expectNoSecret(text: string): void {
  for (const s of SECRETS) {
    expect(text).not.toContain(s);
    expect(text).not.toContain(encodeURIComponent(s));
  }
}

/** The message of the error thrown by parsing `text`. */
function errorText(text: string): string {
  try {
    parseConfigText(text, 'secret.yml', { env: ENV });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('secret redaction', () => {
  it('the effective JSON and notes show credentials only as ***', () => {
    const config = parseConfigText(FULL, 'secret.yml', { env: {} });
    // The secrets really were loaded, so the redaction below is doing the work.
    expect(config.dbs[1].replica.options).toMatchObject({ accessKeyId: 'AKIAREPLICASECRETID', sseCustomerKey: SSE_KEY });
    const json = effectiveConfigJson(config) as { dbs: { replica: Record<string, unknown> }[] };
    expectNoSecret(JSON.stringify(json));
    expectNoSecret((config.notes ?? []).join('\n'));
    expect(json.dbs[0].replica).toMatchObject({ 'access-key-id': '***', 'secret-access-key': '***' });
    expect(json.dbs[1].replica).toMatchObject({ 'access-key-id': '***', 'secret-access-key': '***', 'sse-customer-key': '***' });
    expect(json.dbs[2].replica).toMatchObject({ 'sse-customer-key': '***', url: 's3://bucket/c?sseCustomerKey=***' });
  });

  it('credentials from LITESTREAM_* variables are redacted too', () => {
    const config = parseConfigText('dbs:\n  - path: /a\n    replica:\n      url: s3://b/p\n', 'x.yml', { env: ENV });
    expect(config.dbs[0].replica.options).toMatchObject({ accessKeyId: 'AKIAFROMENVIRONMENT' });
    expectNoSecret(JSON.stringify(effectiveConfigJson(config)));
  });

  it.each([
    ['a YAML syntax error on the secret line', 'secret-access-key: "GlobalSecretAccessKeyValue\ndbs: []\n'],
    ['a YAML error just after the secret', 'access-key-id: AKIAGLOBALSECRETID\n  bad: [\n'],
    ['a credential of the wrong type', 'secret-access-key: [GlobalSecretAccessKeyValue]\n'],
    ['an SSE-C key of the wrong length', 'dbs:\n  - path: /a\n    replica:\n      url: s3://b/p\n      sse-customer-key: UrlUserPassword\n'],
    ['a broken URL with a password and an SSE-C key', 'dbs:\n  - path: /a\n    replica:\n      url: "s3://u:UrlUserPassword@/p?sseCustomerKey=AKIAGLOBALSECRETID"\n'],
    ['an unknown query key next to an SSE-C key', 'dbs:\n  - path: /a\n    replica:\n      url: "s3://b/p?sseCustomerKey=AKIAGLOBALSECRETID&bogus=1"\n'],
    ['a URL in path', 'dbs:\n  - path: /a\n    replica:\n      type: s3\n      path: "s3://u:UrlUserPassword@b/p"\n'],
    ['a half-given credential pair', 'dbs:\n  - path: /a\n    replica:\n      url: s3://b/p\n      access-key-id: AKIAREPLICASECRETID\n'],
    ['an unknown key after secrets', FULL + '      bogus-key: 1\n'],
  ])('error messages do not show secrets: %s', (_name, text) => {
    const message = errorText(text);
    expect(message.length).toBeGreaterThan(10);
    expectNoSecret(message);
  });
});

describe('secret redaction through the CLI', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'streambed-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('`streambed config` prints no secret on success', async () => {
    const file = path.join(dir, 'full.yml');
    writeFileSync(file, FULL);
    const r = await runCli(['config', '-config', file], cleanEnv(ENV));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).dbs).toHaveLength(3);
    expectNoSecret(r.stdout + r.stderr);
  });

  it('`streambed config` prints no secret and no stack trace on error (exit 2, one line)', async () => {
    const file = path.join(dir, 'broken.yml');
    writeFileSync(file, FULL.replace('access-key-id: AKIAREPLICASECRETID', 'access-key-id: [AKIAREPLICASECRETID'));
    const r = await runCli(['config', '-config', file], cleanEnv(ENV));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expectNoSecret(r.stderr);
  });
});
