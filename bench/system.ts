/**
 * What a result is measured on: the machine (cores, memory, CPU model, Node version, load
 * average) and the commit, plus the CPU time and peak memory of a process read from /proc,
 * so a number in docs/BENCHMARKS.md always says where and how it was taken.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  cores: number;
  memoryGiB: number;
  cpuModel: string;
  node: string;
  platform: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverage: [number, number, number];
  commit: string;
  /** True when the work tree had changes to tracked files. */
  dirty: boolean;
  date: string;
}

export function machineInfo(repositoryDir: string): MachineInfo {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: [round2(one), round2(five), round2(fifteen)],
    commit: git(repositoryDir, ['rev-parse', '--short=12', 'HEAD']) || 'unknown',
    dirty: git(repositoryDir, ['status', '--porcelain', '--untracked-files=no']) !== '',
    date: new Date().toISOString(),
  };
}

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return '';
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export interface ProcessSample {
  /** User plus system CPU seconds since the process started. */
  cpuS: number;
  /** Peak resident set (VmHWM) in MiB since start or since the last resetPeakMemory. */
  rssPeakMiB: number;
  rssMiB: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** The ids of the machine's processes, from /proc. */
function processIds(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/**
 * A process's parent and its user plus system CPU time in clock ticks, from
 * /proc/<pid>/stat; undefined when it is gone.
 */
function processStat(pid: number): { parent: number; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: ppid is
    // field 4 of proc(5), utime and stime 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** CPU time and memory of a live process; undefined when it is gone or /proc is missing. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = processStat(pid);
    if (stat === undefined) {
      return undefined;
    }
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      cpuS: stat.ticks / CLOCK_TICKS_PER_SECOND,
      rssPeakMiB: statusKiB(status, 'VmHWM') / 1024,
      rssMiB: statusKiB(status, 'VmRSS') / 1024,
    };
  } catch {
    return undefined;
  }
}

function statusKiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? 0 : Number(match[1]);
}

/** Resets VmHWM to the current RSS (Linux 4.0+), so a round reports its own peak. */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface ProcessUsage {
  cpuS: number;
  /** CPU seconds per wall second: 1.0 is one core busy. */
  cpuCores: number;
  rssPeakMiB: number;
}

/** Usage between two samples of the same process over `wallS` seconds. */
export function usageBetween(
  before: ProcessSample | undefined,
  after: ProcessSample | undefined,
  wallS: number,
): ProcessUsage | undefined {
  if (before === undefined || after === undefined) {
    return undefined;
  }
  const cpuS = after.cpuS - before.cpuS;
  return {
    cpuS,
    cpuCores: wallS > 0 ? cpuS / wallS : 0,
    rssPeakMiB: Math.max(after.rssPeakMiB, before.rssMiB),
  };
}

/** A process and all its descendants, from the parent ids in /proc/<pid>/stat. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const id of processIds()) {
    // undefined: the process ended while we looked.
    const parent = processStat(id)?.parent;
    if (parent !== undefined) {
      children.set(parent, [...(children.get(parent) ?? []), id]);
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    tree.push(...(children.get(tree[i]!) ?? []));
  }
  return tree;
}

/**
 * CPU time and memory of a process tree: `medchain up` supervises one process per
 * validator, so the server is the supervisor plus its validators. Peaks are summed per
 * process, an upper bound on the tree's peak.
 */
export function sampleProcessTree(pid: number): ProcessSample | undefined {
  const samples = processTree(pid).flatMap((member) => sampleProcess(member) ?? []);
  if (samples.length === 0) {
    return undefined;
  }
  return samples.reduce((total, sample) => ({
    cpuS: total.cpuS + sample.cpuS,
    rssPeakMiB: total.rssPeakMiB + sample.rssPeakMiB,
    rssMiB: total.rssMiB + sample.rssMiB,
  }));
}

export function resetTreePeakMemory(pid: number): void {
  for (const member of processTree(pid)) {
    resetPeakMemory(member);
  }
}

/**
 * How much of the machine's CPU went to anything but the suite over a run: the CPU time of
 * every user process that is not this one or a descendant of it, read from /proc once a
 * second, plus the time the hypervisor took (steal). The load average at a run's end counts
 * the suite's own last rounds, so it cannot tell. Kernel threads are left out: much of
 * their work is the suite's own disk writes. A process seen for the first time counts from
 * zero, so one started during the run counts in full; CPU a process uses in the last second
 * before it exits is missed.
 */
export class OtherWork {
  private readonly seen = new Map<number, number>();
  /**
   * Processes once seen descending from this one stay the suite's: a validator killed
   * after its supervisor is reparented to init, and may wait there unreaped for seconds.
   */
  private readonly ours = new Set<number>();
  private otherTicks = 0;
  private readonly first: { total: number; steal: number };
  private readonly timer: NodeJS.Timeout;

  private constructor() {
    this.first = machineTicks();
    this.sample(true);
    this.timer = setInterval(() => {
      try {
        this.sample(false);
      } catch {
        // /proc unreadable for a moment: the next sample counts what this one missed.
      }
    }, 1_000);
    this.timer.unref();
  }

  /** undefined where /proc is missing. */
  static start(): OtherWork | undefined {
    try {
      return new OtherWork();
    } catch {
      return undefined;
    }
  }

  /** The share of the machine's CPU capacity other work used since start; undefined if unread. */
  stop(): number | undefined {
    clearInterval(this.timer);
    try {
      this.sample(false);
      const now = machineTicks();
      const total = now.total - this.first.total;
      const other = this.otherTicks + (now.steal - this.first.steal);
      return total > 0 ? Math.max(0, other / total) : 0;
    } catch {
      return undefined;
    }
  }

  private sample(baseline: boolean): void {
    const parents = new Map<number, number>();
    const ticks = new Map<number, number>();
    for (const pid of processIds()) {
      const stat = processStat(pid);
      if (stat !== undefined) {
        parents.set(pid, stat.parent);
        ticks.set(pid, stat.ticks);
      }
    }
    const isOurs = (pid: number): boolean => {
      for (let at: number | undefined = pid; at !== undefined && at > 1; at = parents.get(at)) {
        if (at === process.pid || this.ours.has(at)) {
          this.ours.add(pid);
          return true;
        }
      }
      return false;
    };
    for (const [pid, now] of ticks) {
      const kernelThread = pid === 2 || parents.get(pid) === 2;
      if (!baseline && !kernelThread && !isOurs(pid)) {
        this.otherTicks += Math.max(0, now - (this.seen.get(pid) ?? 0));
      }
      this.seen.set(pid, now);
    }
    for (const pid of this.seen.keys()) {
      if (!ticks.has(pid)) {
        this.seen.delete(pid);
        this.ours.delete(pid);
      }
    }
  }
}

/** All CPU ticks of the machine so far, and those the hypervisor took (steal). */
function machineTicks(): { total: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal; guest time is already in user.
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (values.length < 8 || !values.every(Number.isFinite)) {
    throw new Error('/proc/stat: unexpected cpu line');
  }
  return { total: values.reduce((sum, value) => sum + value, 0), steal: values[7]! };
}
