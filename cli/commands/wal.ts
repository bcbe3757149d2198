// `streambed wal`: the deprecated name of `ltx` (as in Litestream v0.5), with a warning saying what to use instead.
import type { Command } from 'commander';
import { exitCodeAction } from '../exit-code.ts';
import { runLtx, withLtxOptions, type LtxFlags } from '../ltx-listing.ts';
import { printErr } from '../output.ts';

export const WAL_DEPRECATION =
  'warning: `wal` is deprecated, use `streambed ltx` (it lists LTX files). Litestream v0.3 used `wal` to list the WAL ' +
  'segments of a v0.3 backup: list those with `streambed generations` and `streambed snapshots`, restore them with `streambed restore`.\n';

export function register(program: Command): void {
  withLtxOptions(program.command('wal').description('deprecated: use `ltx`')).action(
    exitCodeAction(async (target: string, flags: LtxFlags) => {
      printErr(WAL_DEPRECATION);
      return await runLtx(target, flags);
    }),
  );
}
