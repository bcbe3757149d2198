// Reading Lambda environment variables with errors that name the variable and say what to set.
import { ConfigError } from '../../core/errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** The value of `name`, trimmed; undefined when unset or blank. */
export function optionalEnv(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function requiredEnv(env: Env, name: string): string {
  const value = optionalEnv(env, name);
  if (value === undefined) throw new ConfigError(`environment variable ${name} is not set: the stack sets it on every function`, { key: name });
  return value;
}

/** `true`/`false` (also 1/0, yes/no), or `fallback` when unset. */
export function booleanEnv(env: Env, name: string, fallback: boolean): boolean {
  const value = optionalEnv(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(`environment variable ${name}="${env[name]}" is not a boolean: use true or false`, { key: name });
}

/** A comma-separated list with blanks removed. */
export function listEnv(env: Env, name: string): string[] | undefined {
  const value = optionalEnv(env, name);
  if (value === undefined) return undefined;
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
