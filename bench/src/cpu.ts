import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { now } from './util';

/**
 * CPU time per process group over a phase, read from /proc (what `ps` reads): utime + stime of every
 * process at the start and at the end. Groups: this benchmark process (the load generator), each app
 * it started, and the servers (postgres backends, RabbitMQ's beam.smp, FerretDB). "other" is the rest of
 * the machine — other work running at the same time skews the figures, and shows up there. Postgres
 * backends count only when they serve a database of this benchmark (shared workers always count),
 * FerretDB only when it listens on MONGO_URL's port, and with the Postgres backends of its storage
 * database (that is where FerretDB does its work); RabbitMQ is one process for everyone.
 * Processes that exit during the phase lose their ticks (short-lived connections): figures are a floor.
 */
export type CpuGroup = string;

interface Snapshot {
  at: number;
  perPid: Map<number, { group: CpuGroup; ticks: number }>;
  machineBusy: number;
  machineTotal: number;
}

export interface CpuReport {
  wallS: number;
  /** Percent of one core, per group (100 = one core fully busy). */
  percentOfCore: Record<CpuGroup, number>;
  /** Busy share of the whole machine (all cores), percent. */
  machineBusyPercent: number;
}

const available = existsSync('/proc/self/stat');
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The database FerretDB keeps its data in (scripts/infra.mjs): its backends are FerretDB's cost. */
const FERRETDB_STORAGE_DATABASE = 'ferretdb';

/** Postgres databases of this benchmark: backends serving other databases count as "other". */
const ownDatabases = new Set<string>();
export const claimDatabase = (name: string): void => void ownDatabases.add(name);

/** The port of MONGO_URL: FerretDB processes listening elsewhere (other sessions' tests) count as "other". */
function mongoPort(): string {
  try {
    return new URL(process.env.MONGO_URL ?? '').port || '27017';
  } catch {
    return '27017';
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function groupOf(pid: number, ppid: number, comm: string): CpuGroup {
  if (pid === process.pid) return 'bench (load generator)';
  if (comm === 'postgres') {
    // "postgres: 15/main: <user> <database> <client> <state>" for a backend; shared workers otherwise.
    const backend = /^postgres: [^:]+: \S+ (\S+) \S+\(\d+\)/.exec(cmdlineOf(pid));
    if (backend?.[1] === FERRETDB_STORAGE_DATABASE) return 'ferretdb'; // FerretDB's work is done in its Postgres backends
    return !backend?.[1] || ownDatabases.has(backend[1]) ? 'postgres' : 'other';
  }
  if (comm === 'beam.smp' || comm.startsWith('erl')) return 'rabbitmq';
  if (comm.startsWith('ferretdb')) return cmdlineOf(pid).includes(`:${mongoPort()} `) ? 'ferretdb' : 'other';
  if (ppid === process.pid) {
    const app = /apps\/([a-z-]+)\/src\/main\.js/.exec(cmdlineOf(pid))?.[1];
    if (app) return app;
  }
  return 'other';
}

function snapshot(): Snapshot {
  const perPid = new Map<number, { group: CpuGroup; ticks: number }>();
  let machineBusy = 0;
  let machineTotal = 0;
  if (!available) return { at: now(), perPid, machineBusy, machineTotal };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(open + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] = state (field 3); ppid = field 4; utime = field 14; stime = field 15
      const ppid = Number(fields[1]);
      const ticks = Number(fields[11]) + Number(fields[12]);
      const pid = Number(entry);
      perPid.set(pid, { group: groupOf(pid, ppid, comm), ticks });
    } catch {
      // the process exited while we looked
    }
  }
  const cpuLine = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = cpuLine.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  machineTotal = values.slice(0, 8).reduce((a, b) => a + b, 0);
  machineBusy = machineTotal - idle;
  return { at: now(), perPid, machineBusy, machineTotal };
}

export class CpuMeter {
  private readonly start = snapshot();

  stop(): CpuReport {
    const end = snapshot();
    const wallS = (end.at - this.start.at) / 1000;
    const ticks: Record<CpuGroup, number> = {};
    for (const [pid, { group, ticks: t }] of end.perPid) {
      const before = this.start.perPid.get(pid)?.ticks ?? 0;
      ticks[group] = (ticks[group] ?? 0) + Math.max(0, t - before);
    }
    const percentOfCore: Record<CpuGroup, number> = {};
    for (const [group, t] of Object.entries(ticks)) {
      const pct = wallS > 0 ? (t / ticksPerSecond / wallS) * 100 : 0;
      if (pct >= 0.5) percentOfCore[group] = Math.round(pct);
    }
    const busy = end.machineBusy - this.start.machineBusy;
    const total = end.machineTotal - this.start.machineTotal;
    return { wallS, percentOfCore, machineBusyPercent: total > 0 ? Math.round((busy / total) * 100) : 0 };
  }
}

export function formatCpu(report: CpuReport): string {
  const parts = Object.entries(report.percentOfCore)
    .sort((a, b) => b[1] - a[1])
    .map(([group, pct]) => `${group} ${pct}%`);
  return `machine ${report.machineBusyPercent}% busy of ${cpus().length} cores; per process (% of one core): ${parts.join(', ') || 'n/a'}`;
}
