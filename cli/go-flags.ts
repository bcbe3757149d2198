// Go-style flags as Litestream users type them (-o=/x.db, -txid X, -force=false) rewritten into commander's form.
import type { Command, Option } from 'commander';
import { UsageError } from '../core/errors.ts';

/** `-name`, `--name`, `-name=value`, `--name=value`; the value may be empty or start with a dash. */
const FLAG = /^--?([A-Za-z][A-Za-z0-9-]*)(?:=([\s\S]*))?$/;

/** Go's strconv.ParseBool, which `-flag=value` of a boolean flag goes through. */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** The options of the subcommand `argv[0]` names (by name or alias), else the program's own. */
function optionsFor(argv: readonly string[], program: Command): readonly Option[] {
  const command = program.commands.find((c) => c.name() === argv[0] || c.aliases().includes(argv[0]));
  return (command ?? program).options;
}

function findOption(options: readonly Option[], name: string): Option | undefined {
  return options.find((o) => o.long === `--${name}` || (name.length === 1 && o.short === `-${name}`));
}

/**
 * Rewrites Go flag syntax, which Litestream's CLI uses, into what commander parses, for the command's own options:
 * - `-name` and `-name=value` become `--name` / `--name value` (commander reads `-name` as `-n -a -m -e`);
 * - `-o=/x.db` becomes `-o /x.db` (commander would take `=/x.db` as the value of a short option);
 * - a flag that takes a value consumes the next argument whatever it looks like, as Go does, so `-o -x.db`
 *   restores to `-x.db` and that value is never rewritten;
 * - a boolean flag takes `=true` / `=false` (and Go's other spellings); `=false` leaves it unset.
 * Unknown `-name` flags become `--name` so commander reports them by their name. Everything after `--` is kept as is.
 */
export function normalizeGoFlags(argv: readonly string[], program: Command): string[] {
  const options = optionsFor(argv, program);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = FLAG.exec(arg);
    if (!m) {
      out.push(arg);
      continue;
    }
    const [, name, value] = m;
    const option = findOption(options, name);
    if (!option) {
      out.push(name.length > 1 && !arg.startsWith('--') ? `-${arg}` : arg);
      continue;
    }
    const flag = option.long ?? option.short ?? arg;
    if (option.required || option.optional) {
      if (value !== undefined) out.push(flag, value);
      else if (i + 1 < argv.length && option.required) out.push(flag, argv[++i]);
      else out.push(flag);
      continue;
    }
    if (value === undefined || GO_TRUE.has(value)) out.push(flag);
    else if (!GO_FALSE.has(value)) throw new UsageError(`invalid boolean value "${value}" for -${name}: use -${name}, -${name}=true or -${name}=false`);
  }
  return out;
}
