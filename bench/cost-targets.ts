// Issue 8's targets as bench/cost.ts measures them: each printed with its value and met, missed or where it is measured.

/** What one run of bench/cost.ts measured for a tool (figures it could not measure are undefined). */
export interface CostFigures {
  idleRequestsPerHour?: number;
  /** What the idle figure covers. */
  idleNote?: string;
  /** Requests per L0 file by phase name, e.g. "1 tx/s". */
  requestsPerL0File: Record<string, number>;
  uploadedPerL0Byte?: number;
  /** Bytes uploaded over the run ÷ the new database's size: the first image plus the changes. */
  imagesUploaded?: number;
  runSeconds: number;
  restoreFetchedPerNeeded?: number;
  restoreWallSeconds?: number;
  restorePeakRssMiB?: number;
  agentCpuPct: Record<string, number>;
  agentRssMiB?: number;
  agentRssNote?: string;
  startupCpuSeconds?: number;
}

interface Target {
  name: string;
  limit: string;
  value: number | undefined;
  met: (value: number) => boolean;
  show: (value: number) => string;
  note?: string;
}

const fixed = (digits: number, unit = '') => (v: number): string => `${v.toFixed(digits)}${unit}`;

function targets(sb: CostFigures, ls: CostFigures | undefined): Target[] {
  const l0 = sb.requestsPerL0File;
  const wallRatio = sb.restoreWallSeconds !== undefined && ls?.restoreWallSeconds ? sb.restoreWallSeconds / ls.restoreWallSeconds : undefined;
  return [
    { name: 'idle requests per database-hour (retention aside)', limit: '<= 1', value: sb.idleRequestsPerHour, met: (v) => v <= 1, show: fixed(1),
      note: sb.idleNote },
    { name: 'requests per L0 file at 1 tx/s', limit: '<= 1.1', value: l0['1 tx/s'], met: (v) => v <= 1.1, show: fixed(3),
      note: Object.entries(l0).map(([phase, v]) => `${phase} ${v.toFixed(3)}`).join(', ') },
    { name: 'bytes uploaded / L0 bytes', limit: '<= 1.3 over the first hour', value: sb.uploadedPerL0Byte, met: (v) => v <= 1.3, show: fixed(2),
      note: `over ${sb.runSeconds < 120 ? `${sb.runSeconds.toFixed(0)} s` : `${(sb.runSeconds / 60).toFixed(0)} min`}${sb.runSeconds < 3600 ? ' (the hour: --db-mib 512 --warmup-seconds 30 --idle-seconds 0 --active-seconds 3600 --rates 10)' : ''}` },
    { name: 'first image uploads (bytes up / database size)', limit: '<= 2', value: sb.imagesUploaded, met: (v) => v <= 2, show: fixed(2),
      note: 'the L0 snapshot and the changes; L9 gets the image by a server-side copy' },
    { name: 'restore bytes fetched / needed', limit: '<= 1.1', value: sb.restoreFetchedPerNeeded, met: (v) => v <= 1.1, show: fixed(2) },
    { name: 'restore wall / Litestream v0.3.13', limit: '<= 1', value: wallRatio, met: (v) => v <= 1, show: fixed(2),
      note: ls ? `${sb.restoreWallSeconds?.toFixed(2)} s vs ${ls.restoreWallSeconds?.toFixed(2)} s, one run each over the metering proxy; bench/restore.ts --peer litestream alternates runs` : 'needs the Litestream peer (drop --only)' },
    { name: 'restore peak RSS, no integrity check', limit: '<= 128 MiB', value: sb.restorePeakRssMiB, met: (v) => v <= 128, show: fixed(0, ' MiB') },
    { name: 'agent CPU at 1 tx/s', limit: '<= 1% of a core', value: sb.agentCpuPct['1 tx/s'], met: (v) => v <= 1, show: fixed(2, '%') },
    { name: 'agent CPU idle', limit: '<= 0.2% of a core', value: sb.agentCpuPct.idle, met: (v) => v <= 0.2, show: fixed(2, '%') },
    { name: 'agent RSS, one database', limit: '<= 100 MiB', value: sb.agentRssMiB, met: (v) => v <= 100, show: fixed(0, ' MiB'),
      note: sb.agentRssNote },
    { name: 'agent start-up CPU (replicate -once)', limit: '<= 0.3 s', value: sb.startupCpuSeconds, met: (v) => v <= 0.3, show: fixed(2, ' s') },
  ];
}

/** Targets this bench cannot measure, and the command that does. */
const ELSEWHERE = [
  ['restore CPU-s per GiB / (GET + LZ4 decode + CRC-64)', '<= 2', 'node bench/restore.ts --size-mib 512 --l0 200'],
  ['agent RSS, 10 databases', '<= 128 MiB', 'scripts/measure-agent.sh 10 20 (the bundle)'],
  ['compaction: remote, Lambda requests and GB-s', 'measured', 'node bench/cost.ts --compaction remote'],
];

export function printTargets(sb: CostFigures, ls: CostFigures | undefined): void {
  console.log('\nissue 8 targets (streambed):');
  for (const t of targets(sb, ls)) {
    const verdict = t.value === undefined || Number.isNaN(t.value) ? 'not measured in this run' : t.met(t.value) ? 'met' : 'MISSED';
    const value = t.value === undefined || Number.isNaN(t.value) ? '-' : t.show(t.value);
    console.log(`  ${t.name.padEnd(52)} ${t.limit.padEnd(26)} ${value.padStart(9)}  ${verdict}${t.note ? `  (${t.note})` : ''}`);
  }
  for (const [name, limit, command] of ELSEWHERE) console.log(`  ${name.padEnd(52)} ${limit.padEnd(26)} ${'-'.padStart(9)}  measured by ${command}`);
}
