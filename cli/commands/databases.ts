// `streambed databases`: lists the configured databases and where each one replicates to.
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadCommandConfig, withConfigFlags, type ConfigFlags } from '../config-flags.ts';
import { EXIT_OK, exitCodeAction } from '../exit-code.ts';
import { describeReplica, formatTable } from '../output.ts';

export function register(program: Command): void {
  withConfigFlags(program.command('databases').description('list the databases in the configuration file')).action(
    exitCodeAction(async (flags: ConfigFlags) => {
      const config = await loadCommandConfig(flags);
      const rows = [['path', 'replica']];
      for (const db of config.dbs) rows.push([db.path, describeReplica(db.replica.options)]);
      // A directory entry's databases are found at run time: the row names the entry and the replica base path.
      for (const d of config.dirs ?? []) {
        rows.push([join(d.dir, d.recursive ? `**/${d.pattern}` : d.pattern), `${describeReplica(d.template.replica.options)}/<relative path>`]);
      }
      process.stdout.write(formatTable(rows));
      return EXIT_OK;
    }),
  );
}
