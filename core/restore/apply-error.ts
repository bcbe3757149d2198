// The error applyPlan raises for a planned file, saying whether the object itself is bad.
import type { LtxFileInfo } from '../replica/client.ts';

/** A planned file failed; `fileProblem` says the object itself is bad, so a plan without it may work. */
export class FileApplyError extends Error {
  readonly file: LtxFileInfo;
  readonly fileProblem: boolean;
  constructor(file: LtxFileInfo, cause: unknown, fileProblem: boolean) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'FileApplyError';
    this.file = file;
    this.fileProblem = fileProblem;
  }
}
