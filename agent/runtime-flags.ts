// V8 settings applied at start-up by the CLI entry point for the commands that need them (and by the benchmarks).
import { setFlagsFromString } from 'node:v8';

let applied = false;

/**
 * Keeps V8's young generation at its initial size (1 MiB semi-spaces) instead of letting it grow to 16 MiB
 * each under allocation bursts. Read by V8 at every resize, so it works at run time without restarting the
 * process. Unlike --max-semi-space-size, which V8 only reads when the heap is set up.
 */
function keepYoungGenerationSmall(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * The agent's garbage is short-lived and small, and the grown semi-spaces stay resident (~20 MB of RSS with 10
 * databases) for no measurable CPU gain.
 */
export function applyAgentRuntimeFlags(): void {
  keepYoungGenerationSmall();
}

/**
 * A restore over the network receives every byte in socket-read Buffers that die at once but whose memory lives
 * outside the JavaScript heap: V8 frees them only when a collection finds them dead. Grown semi-spaces are
 * scavenged so rarely that the dead reads pile up to V8's external-memory limit and are freed by full
 * collections instead (33 mark-compacts in one restore of 387 MB from fauxqs S3). With 1 MiB semi-spaces each
 * scavenge frees them: the bundled CLI peaked at 156–176 instead of 210–232 MiB, with less CPU.
 */
export function applyRestoreRuntimeFlags(): void {
  keepYoungGenerationSmall();
}
