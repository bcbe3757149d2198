// `streambed snapshots`: Litestream v0.3's command. Lists a v0.3 backup's snapshots; for LTX replicas use `ltx -level 9`.
import type { Command } from 'commander';
import { EXIT_OK, exitCodeAction } from '../exit-code.ts';
import { formatTable, printJson } from '../output.ts';
import { loadV03Listing, withV03ListOptions, type V03ListFlags } from '../v03-listing.ts';

export function register(program: Command): void {
  withV03ListOptions(program.command('snapshots').description('list the snapshots of a Litestream v0.3 backup (LTX replicas: `ltx -level 9`)')).action(
    exitCodeAction(async (target: string, flags: V03ListFlags) => {
      const listing = await loadV03Listing('snapshots', target, flags);
      const rows = listing.generations.flatMap((g) =>
        g.snapshots.map((s) => ({ generation: g.id, index: s.index, size: s.size, created: s.createdAt.toISOString() })),
      );
      if (flags.json) {
        printJson(rows);
        return EXIT_OK;
      }
      const table = [['generation', 'index', 'size', 'created']];
      for (const r of rows) table.push([r.generation, String(r.index), String(r.size), r.created]);
      process.stdout.write(formatTable(table));
      return EXIT_OK;
    }),
  );
}
