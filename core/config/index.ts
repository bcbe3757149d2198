// Public entry of core/config: loading, resolving and printing streambed (Litestream-compatible) configuration.
export { loadConfigFile, parseConfigText } from './load.ts';
export type { LoadOptions } from './load.ts';
export { configFromUrl, DEFAULT_CONFIG_PATHS, resolveConfigPath, resolveTarget } from './resolve.ts';
export type { ResolvedTarget, ResolveTargetOptions } from './resolve.ts';
export { effectiveConfigJson, REDACTED } from './effective.ts';
export { applyLitestreamEnv } from './credentials-env.ts';
export { parseDuration, formatDuration } from './duration.ts';
export { parseByteSize } from './size.ts';
export { expandEnv } from './expand-env.ts';
export { isUrl, parseReplicaUrl, redactUrl } from './replica-url.ts';
export type { ReplicaUrlSettings, S3UrlSettings } from './replica-url.ts';
export { expandPath, defaultMetaPath, stripSqlitePrefix } from './paths.ts';
export * from './defaults.ts';
export type * from './types.ts';
