#!/usr/bin/env node
// Entry point of the streambed CLI: checks the Node.js version, then runs the TypeScript sources directly.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  // bin/run installs Node.js 24 here when the machine's node is older: say how to use it.
  const { existsSync } = await import('node:fs');
  const installed = `${process.env.HOME}/.local/node24/bin`;
  const hint = existsSync(`${installed}/node`) ? `; bin/run installed Node.js 24: export PATH="${installed}:$PATH"` : '';
  process.stderr.write(`streambed: Node.js ${process.versions.node} is too old; install Node.js 22.18 or later (24 LTS recommended)${hint}\n`);
  process.exit(2);
}
// The long-running agent and restore keep a small young generation (see agent/runtime-flags.ts); other commands do
// not, `replicate -once` included: its start-up (loading the AWS SDK) would run ~15 scavenges of 1 MiB instead of ~6.
const once = process.argv.slice(3).some((arg) => /^--?once(=(1|t|T|TRUE|true|True))?$/.test(arg));
if (process.argv[2] === 'replicate' && !once) (await import('../agent/runtime-flags.ts')).applyAgentRuntimeFlags();
else if (process.argv[2] === 'restore') (await import('../agent/runtime-flags.ts')).applyRestoreRuntimeFlags();
// `replicate -once` (run from cron or a timer, start-up is most of its cost) keeps V8's compiled code of the bundle
// in the user's cache folder: ~25 ms less CPU per run. Not the long-running agent: its V8 flag above would make
// every cached entry mismatch (V8 checks the flags), and it starts once. Nor the sources (tests, development), which
// change with every edit. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const bundled = !import.meta.url.endsWith('/bin/streambed.mjs');
if (process.argv[2] === 'replicate' && once && bundled) {
  const cacheHome = process.env.XDG_CACHE_HOME || (process.env.HOME ? `${process.env.HOME}/.cache` : undefined);
  const { enableCompileCache } = await import('node:module');
  try {
    if (cacheHome?.startsWith('/')) enableCompileCache?.(`${cacheHome}/streambed/compile-cache`);
  } catch {
    // An unwritable cache folder only costs the start-up time saved.
  }
}
await import('../cli/main.ts');
