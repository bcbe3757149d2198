// `demo --s3` without the fauxqs emulator (an installed streambed has none) is a usage error that says what to do.
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../core/errors.ts';
import { MISSING_EMULATOR, startDemoS3 } from '../../agent/demo-s3.ts';

describe('demo --s3', () => {
  it('names fauxqs and the ways out when it cannot be resolved', async () => {
    const missing = (specifier: string): string => {
      throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const err = await startDemoS3(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(MISSING_EMULATOR);
    expect(MISSING_EMULATOR).toContain('fauxqs');
    expect(MISSING_EMULATOR).toContain('without --s3');
    expect(exitCodeOf(err)).toBe(2);
  });
});
