// Litestream's LITESTREAM_* credential variables, copied to AWS_* for the AWS SDK default credential chain.

/** Copies LITESTREAM_ACCESS_KEY_ID / LITESTREAM_SECRET_ACCESS_KEY to the AWS_* names that are unset (as Litestream does at start-up). */
export function applyLitestreamEnv(env: NodeJS.ProcessEnv = process.env): void {
  const pairs = [['LITESTREAM_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID'], ['LITESTREAM_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY']] as const;
  for (const [from, to] of pairs) {
    const value = env[from];
    if (value !== undefined && env[to] === undefined) env[to] = value;
  }
}
