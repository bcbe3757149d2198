// Entry points the CLI calls for Litestream v0.3 backups: restore when that format wins, and notes for `ltx`/`verify`.
import type { TXID } from '../ltx/types.ts';
import type { ReplicaClient } from '../replica/client.ts';
import type { IntegrityCheck } from '../restore/integrity.ts';
import type { Logger } from '../log/logger.ts';
import { chooseFormat } from './choose.ts';
import { listV03 } from './list.ts';
import { planV03Restore } from './plan.ts';
import { planJson, planText, restoreJson, restoreText, v03Note } from './report.ts';
import { restoreV03 } from './restore.ts';

export { listV03 } from './list.ts';
export type { V03Listing } from './list.ts';
export { restoreV03 } from './restore.ts';

export interface V03RestoreRequest {
  outputPath: string;
  txid?: TXID;
  timestamp?: Date;
  generation?: string;
  integrityCheck?: IntegrityCheck;
  force?: boolean;
  dryRun?: boolean;
  parallelism?: number;
  logger?: Logger;
}

/** What the CLI prints for a v0.3 restore or plan. */
export interface V03Outcome {
  text: string;
  json: object;
}

/**
 * Restores (or plans, with dryRun) from the replica's v0.3 backups when Litestream's format rule picks them;
 * undefined means the LTX restore should run.
 */
export async function restoreV03IfChosen(client: ReplicaClient, request: V03RestoreRequest): Promise<V03Outcome | undefined> {
  const choice = await chooseFormat(client, request);
  if (choice.format !== 'v03') return undefined;
  request.logger?.info({ reason: choice.reason }, 'restoring from Litestream v0.3 backups');
  if (request.dryRun) {
    const plan = planV03Restore(choice.listing, request);
    return { text: planText(plan, request.outputPath, choice.reason), json: planJson(plan, request.outputPath, choice.reason) };
  }
  const result = await restoreV03(client, request, choice.listing);
  return { text: restoreText(result, choice.reason), json: restoreJson(result, choice.reason) };
}

/** The note `ltx` and `verify` print when the replica holds v0.3 backups; undefined when it holds none. */
export async function v03Explanation(client: ReplicaClient, command: 'ltx' | 'verify', ltxFiles: number): Promise<string | undefined> {
  if (!client.listObjects) return undefined;
  const listing = await listV03(client);
  return listing.generations.length > 0 ? v03Note(listing, command, ltxFiles) : undefined;
}
