// `streambed ltx`: lists the LTX files of a replica (one level, or all) as a table or JSON.
import type { Command } from 'commander';
import { exitCodeAction } from '../exit-code.ts';
import { runLtx, withLtxOptions } from '../ltx-listing.ts';

export function register(program: Command): void {
  withLtxOptions(program.command('ltx').description("list a replica's LTX files")).action(exitCodeAction(runLtx));
}
