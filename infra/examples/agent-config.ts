// The agent configuration the host examples write: every database replicates with compaction: remote.

export interface ExampleDatabase {
  /** The database file on the host or in the shared volume. */
  file: string;
  /** Its replica path inside the bucket (what the host role is scoped to). */
  path: string;
}

/** /etc/streambed.yml for `databases` in `bucketName` (a token is fine: it is resolved at deploy time). */
export function agentConfigYaml(bucketName: string, databases: readonly ExampleDatabase[]): string {
  const dbs = databases.map((d) => `  - path: ${d.file}\n    replica:\n      url: s3://${bucketName}/${d.path}\n`).join('');
  return `# written by the streambed CDK example\ncompaction: remote\naddr: 127.0.0.1:9090\ndbs:\n${dbs}`;
}
