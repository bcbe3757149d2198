// `streambed generations`: Litestream v0.3's command. Lists a v0.3 backup's generations; LTX replicas have none.
import type { Command } from 'commander';
import { EXIT_OK, exitCodeAction } from '../exit-code.ts';
import { formatTable, printJson } from '../output.ts';
import { loadV03Listing, withV03ListOptions, type V03ListFlags } from '../v03-listing.ts';

export function register(program: Command): void {
  withV03ListOptions(program.command('generations').description('list the generations of a Litestream v0.3 backup (LTX replicas have none)')).action(
    exitCodeAction(async (target: string, flags: V03ListFlags) => {
      const listing = await loadV03Listing('generations', target, flags);
      const rows = listing.generations.map((g) => ({
        generation: g.id,
        snapshots: g.snapshots.length,
        segments: g.segments.length,
        start: g.createdAt.toISOString(),
        end: g.updatedAt.toISOString(),
      }));
      if (flags.json) {
        printJson(rows);
        return EXIT_OK;
      }
      const table = [['generation', 'snapshots', 'wal_segments', 'start', 'end']];
      for (const r of rows) table.push([r.generation, String(r.snapshots), String(r.segments), r.start, r.end]);
      process.stdout.write(formatTable(table));
      return EXIT_OK;
    }),
  );
}
