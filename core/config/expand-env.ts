// Environment expansion over the whole config text, with the exact rules of Go's os.Expand (as Litestream does).

export interface ExpandEnvOptions {
  env?: NodeJS.ProcessEnv;
  /** Value of `$PID`; default the current process id. */
  pid?: number;
}

function isShellSpecial(c: string): boolean {
  return '*#$@!?-0123456789'.includes(c);
}

function isAlphaNum(c: string): boolean {
  return /^[A-Za-z0-9_]$/.test(c);
}

/** Mirrors Go's getShellName: returns the variable name and how many characters after `$` it used. */
function shellName(s: string): [string, number] {
  if (s[0] === '{') {
    if (s.length > 2 && isShellSpecial(s[1]) && s[2] === '}') return [s[1], 3];
    for (let i = 1; i < s.length; i++) {
      if (s[i] === '}') return i === 1 ? ['', 2] : [s.slice(1, i), i + 1];
    }
    return ['', 1];
  }
  if (isShellSpecial(s[0])) return [s[0], 1];
  let i = 0;
  while (i < s.length && isAlphaNum(s[i])) i++;
  return [s.slice(0, i), i];
}

/**
 * Replaces `$VAR` and `${VAR}` with their values; `$PID` is the process id, unset variables become ''.
 * Like Go, `$$` expands the (unset) variable `$` to '', a `$` not followed by a name stays, and `${}` is dropped.
 */
export function expandEnv(text: string, options: ExpandEnvOptions = {}): string {
  const env = options.env ?? process.env;
  const pid = options.pid ?? process.pid;
  let out = '';
  let from = 0;
  for (let j = 0; j < text.length; j++) {
    if (text[j] !== '$' || j + 1 >= text.length) continue;
    out += text.slice(from, j);
    const [name, width] = shellName(text.slice(j + 1));
    if (name === '' && width === 0) out += '$';
    else if (name !== '') out += name === 'PID' ? String(pid) : (env[name] ?? '');
    j += width;
    from = j + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
