// Go-style flags as Litestream users type them (-o=/x.db, -txid X, -force=false), rewritten for commander.
import { describe, expect, it } from 'vitest';
import { normalizeGoFlags } from '../../cli/go-flags.ts';
import { buildProgram } from '../../cli/main.ts';
import { UsageError } from '../../core/errors.ts';

describe('Go-style flags (as Litestream users type them)', () => {
  const normalize = async (argv: string[]): Promise<string[]> => normalizeGoFlags(argv, await buildProgram(argv[0]));

  it('-flag=value and --flag=value, for long and one-letter flags', async () => {
    expect(await normalize(['restore', '-o=/x.db', '-txid=000000000000002a', 's3://b/p'])).toEqual(['restore', '-o', '/x.db', '--txid', '000000000000002a', 's3://b/p']);
    expect(await normalize(['restore', '--o=/x.db', '--config=/etc/l.yml', '/db'])).toEqual(['restore', '-o', '/x.db', '--config', '/etc/l.yml', '/db']);
    expect(await normalize(['restore', '-o=', 'u'])).toEqual(['restore', '-o', '', 'u']);
    expect(await normalize(['restore', '-o=a=b', 'u'])).toEqual(['restore', '-o', 'a=b', 'u']);
  });

  it('-flag value, where the value may start with a dash and is never rewritten', async () => {
    expect(await normalize(['restore', '-config', '/c.yml', '-o', '-weird-name.db', '/db'])).toEqual(['restore', '--config', '/c.yml', '-o', '-weird-name.db', '/db']);
    expect(await normalize(['restore', '-o=-x.db', '/db'])).toEqual(['restore', '-o', '-x.db', '/db']);
    expect(await normalize(['replicate', '-exec', '-config-like-arg', '/db'])).toEqual(['replicate', '--exec', '-config-like-arg', '/db']);
  });

  it('boolean flags: -flag, -flag=true, -flag=false (left unset), Go spellings, and a bad value is a usage error', async () => {
    expect(await normalize(['restore', '-force', '-json=true', '-dry-run=false', '-if-db-not-exists=1', 'u'])).toEqual(['restore', '--force', '--json', '--if-db-not-exists', 'u']);
    expect(await normalize(['restore', '-no-expand-env', 'u'])).toEqual(['restore', '--no-expand-env', 'u']);
    expect(await normalize(['restore', '-no-expand-env=F', 'u'])).toEqual(['restore', 'u']);
    await expect(normalize(['restore', '-force=yes', 'u'])).rejects.toThrow(UsageError);
    await expect(normalize(['restore', '-force=yes', 'u'])).rejects.toThrow('invalid boolean value "yes" for -force');
  });

  it('leaves positionals, -h, unknown one-letter flags and everything after -- alone; unknown words get two dashes', async () => {
    expect(await normalize(['restore', '-h'])).toEqual(['restore', '-h']);
    expect(await normalize(['restore', '-help'])).toEqual(['restore', '--help']);
    expect(await normalize(['restore', '-bogus=1', '-z', 'u'])).toEqual(['restore', '--bogus=1', '-z', 'u']);
    expect(await normalize(['restore', '-o', 'x', '--', '-txid=1'])).toEqual(['restore', '-o', 'x', '--', '-txid=1']);
    expect(await normalize(['ltx', '-level=9', '-json', 'u'])).toEqual(['ltx', '--level', '9', '--json', 'u']);
  });
});
