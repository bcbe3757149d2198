// $VAR / ${VAR} expansion with Go os.Expand rules, and -no-expand-env.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandEnv } from '../../core/config/expand-env.ts';
import { parseConfigText } from '../../core/config/load.ts';

const env = { BUCKET: 'acme', DIR: '/srv', EMPTY: '' };

describe('expandEnv', () => {
  it.each([
    ['$BUCKET', 'acme'], ['${BUCKET}', 'acme'], ['${DIR}/x.db', '/srv/x.db'], ['$DIR/x', '/srv/x'],
    ['$UNSET', ''], ['a${UNSET}b', 'ab'], ['$EMPTY', ''], ['$PID', '4242'], ['${PID}', '4242'],
    ['cost $', 'cost $'], ['$ x', '$ x'], ['$$', ''], ['${}', ''], ['${BUCKET', 'BUCKET'], ['$BUCKET_2', ''],
    ['${BUCKET}_2', 'acme_2'], ['$1', ''], ['no vars', 'no vars'],
  ])('%j → %j', (text, expected) => {
    expect(expandEnv(text, { env, pid: 4242 })).toBe(expected);
  });

  it('leaves text without $ unchanged', () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('$')), (s) => expandEnv(s, { env }) === s));
  });

  it('uses the real process id by default', () => {
    expect(expandEnv('$PID', { env: {} })).toBe(String(process.pid));
  });
});

describe('config env expansion', () => {
  const text = 'dbs:\n  - path: ${DIR}/orders.db\n    replica:\n      type: s3\n      bucket: $BUCKET\n      path: $UNSET/x\n';

  it('expands variables across the whole file before parsing', () => {
    const c = parseConfigText(text, 'x.yml', { env });
    expect(c.dbs[0].path).toBe('/srv/orders.db');
    expect(c.dbs[0].replica.options).toMatchObject({ type: 's3', bucket: 'acme', path: 'x' });
  });

  it('leaves $VAR alone with expandEnv: false (-no-expand-env)', () => {
    const c = parseConfigText(text, 'x.yml', { env, expandEnv: false });
    expect(c.dbs[0].path).toMatch(/\$\{DIR\}\/orders\.db$/);
    expect(c.dbs[0].replica.options).toMatchObject({ bucket: '$BUCKET', path: '$UNSET/x' });
  });
});
