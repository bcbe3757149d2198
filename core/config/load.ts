// Reads a Litestream-compatible YAML config file into the effective StreambedConfig.
//
// Precedence for each replica setting: the replica's own key, then its `url` (host and query), then the same key
// written at the top level (global defaults). Litestream lets a global key override the URL and rejects a global
// `bucket` next to a replica `url`; streambed treats the URL as more specific, so such files work the same or better.
// Relative database paths resolve against the current directory, as Litestream does.
// LITESTREAM_ACCESS_KEY_ID / LITESTREAM_SECRET_ACCESS_KEY become the S3 credentials when no key is written and the
// matching AWS_* variable is unset (Litestream copies them to AWS_*); otherwise the AWS default chain applies.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';
import { buildConfig } from './build-config.ts';
import { expandEnv } from './expand-env.ts';
import { expandPath } from './paths.ts';
import type { StreambedConfig } from './types.ts';
import { parseYamlTree } from './yaml-tree.ts';

export interface LoadOptions {
  /** Expand $VAR / ${VAR} across the text before parsing (default true; `-no-expand-env` turns it off). */
  expandEnv?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Unknown keys become notes instead of errors (`-ignore-unknown`); default from STREAMBED_IGNORE_UNKNOWN. */
  ignoreUnknown?: boolean;
}

/** The environment switch behind `-ignore-unknown`, for commands that have no such flag. */
export const IGNORE_UNKNOWN_ENV = 'STREAMBED_IGNORE_UNKNOWN';

function ignoreUnknownFromEnv(env: NodeJS.ProcessEnv): boolean {
  const raw = (env[IGNORE_UNKNOWN_ENV] ?? '').trim().toLowerCase();
  if (raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`environment variable ${IGNORE_UNKNOWN_ENV}=${JSON.stringify(env[IGNORE_UNKNOWN_ENV])} must be 1 or 0 (true or false); unset it to keep unknown keys errors`);
}

/** Parses config text; `fileName` is used in error messages and as `config.source`. */
export function parseConfigText(text: string, fileName?: string, options: LoadOptions = {}): StreambedConfig {
  const env = options.env ?? process.env;
  const expanded = options.expandEnv === false ? text : expandEnv(text, { env });
  const tree = parseYamlTree(expanded, fileName);
  const ignoreUnknown = options.ignoreUnknown || ignoreUnknownFromEnv(env);
  return buildConfig(tree, { file: fileName, env, notes: [], ignoreUnknown });
}

/** Reads and parses a config file (`~` is expanded in its path). */
export async function loadConfigFile(path: string, options: LoadOptions = {}): Promise<StreambedConfig> {
  const file = expandPath(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError('config file not found; check the -config path or STREAMBED_CONFIG', { file });
    if (code === 'EISDIR') throw new ConfigError('is a directory; -config must name a YAML file', { file });
    throw new ConfigError(`cannot read config file (${code ?? (err as Error).message})`, { file });
  }
  return parseConfigText(text, file, options);
}
