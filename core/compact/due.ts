// Whether a maintenance pass can do anything, decided from an in-memory listing and the clock, without a request.
import type { LtxFileInfo } from '../replica/client.ts';
import { MAX_LEVEL, SNAPSHOT_LEVEL } from '../ltx/types.ts';
import { newestFile } from '../listing/listing.ts';
import { windowStart } from './schedule.ts';
import type { MaintenanceSettings } from './settings.ts';

type DueSettings = Pick<MaintenanceSettings, 'levels' | 'snapshotInterval' | 'snapshotRetention' | 'l0Retention' | 'retentionEnabled'>;

function byLevel(files: readonly LtxFileInfo[]): LtxFileInfo[][] {
  const levels: LtxFileInfo[][] = Array.from({ length: MAX_LEVEL + 1 }, () => []);
  for (const f of files) levels[f.level].push(f);
  return levels;
}

/** A window of `interval` closed after `since` and at or before `now`. */
function windowClosed(interval: number, since: number, now: Date): boolean {
  return windowStart(now, interval).getTime() > since;
}

/**
 * True when a pass that last started at `lastPassAt` could now write or delete something:
 * - a level has source files beyond what it holds and its window closed since the last pass;
 * - the snapshot level is behind the other levels and the snapshot window closed since the last pass;
 * - the first image is not yet promoted to L9.
 * Retention has its own pace (retentionDue).
 * Changes since the last pass (new L0 files, the pass's own writes) show up as a level behind its source. False
 * means a pass would make no request: the agent skips it, so an idle database costs nothing.
 */
export function maintenanceDue(files: readonly LtxFileInfo[], settings: DueSettings, lastPassAt: number | undefined, now: Date): boolean {
  if (lastPassAt === undefined) return true;
  const levels = byLevel(files);
  const snapshotTXID = newestFile(levels[SNAPSHOT_LEVEL].filter((f) => f.minTXID === 1))?.maxTXID;
  if (snapshotTXID === undefined && levels[0].some((f) => f.minTXID === 1)) return true;
  for (let level = 1; level <= settings.levels.length; level++) {
    const srcMax = newestFile(levels[level - 1])?.maxTXID ?? 0;
    const dstMax = newestFile(levels[level])?.maxTXID ?? snapshotTXID ?? 0;
    if (srcMax > dstMax && windowClosed(settings.levels[level - 1], lastPassAt, now)) return true;
  }
  const reached = Math.max(0, ...levels.slice(0, SNAPSHOT_LEVEL).map((l) => newestFile(l)?.maxTXID ?? 0));
  return reached > (snapshotTXID ?? 0) && windowClosed(settings.snapshotInterval, lastPassAt, now);
}

/**
 * How often retention may delete: the L2 window (L1's with one level). Deleting L0 files as each one ages would
 * cost a DeleteObjects request every pass; batching them per window keeps deletions a small share of requests.
 */
function retentionGrain(settings: Pick<MaintenanceSettings, 'levels'>): number {
  return settings.levels[1] ?? settings.levels[0] ?? 5 * 60_000;
}

/**
 * True when a file reached its retention age (l0-retention for L0, snapshot retention for L9), rounded up to the
 * retention grain, since retention last ran at `lastRunAt`. Other levels only give way when a snapshot ages.
 */
export function retentionDue(files: readonly LtxFileInfo[], settings: DueSettings, lastRunAt: number | undefined, now: Date): boolean {
  if (!settings.retentionEnabled) return false;
  if (lastRunAt === undefined) return true;
  const grain = retentionGrain(settings);
  const aged = (f: LtxFileInfo, age: number): boolean => {
    const at = Math.ceil((f.createdAt.getTime() + age) / grain) * grain;
    return at > lastRunAt && at <= now.getTime();
  };
  return files.some((f) => (f.level === 0 && aged(f, settings.l0Retention)) || (f.level === SNAPSHOT_LEVEL && aged(f, settings.snapshotRetention)));
}
