// Where a phase's CPU went, read from Linux's /proc: the bench stack's Postgres (the postmaster and its
// children, also those that ended: autovacuum workers, backends), its functions host (balancer and
// workers, and their function workers), its emulators, this process, and the rest of the machine's busy time ("other": the kernel's
// softirq work, other processes that started and ended within the phase, whatever else shares the
// machine).

const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux this runs on

export type Role = "postgres" | "functions" | "emulators" | "bench";
const ROLES: Role[] = ["postgres", "functions", "emulators", "bench"];

export interface CpuSnapshot {
  /** `reaped`: its parent's reaped CPU (a postmaster's, a functions host's) takes its whole life once it ends. */
  processes: Map<number, { role: Role; ticks: number; reaped: boolean }>;
  machineBusy: number;
  machineIdle: number;
}

export interface CpuUse {
  /** CPU seconds by role, and `other`. */
  seconds: Record<Role | "other", number>;
  /** Share of the machine's time that was idle. */
  idleShare: number;
}

function readPid(path: string): number | null {
  try {
    return Number(Deno.readTextFileSync(path).split("\n")[0].trim()) || null;
  } catch {
    return null;
  }
}

/** pid -> role for the stack in `stateDir` (its pid files and its cluster's postmaster.pid). */
function roles(stateDir: string): Map<number, Role> {
  const byPid = new Map<number, Role>([[Deno.pid, "bench"]]);
  for (const entry of Deno.readDirSync(`${stateDir}/pids`)) {
    const pid = readPid(`${stateDir}/pids/${entry.name}`);
    if (pid === null) continue;
    if (entry.name.startsWith("functions")) byPid.set(pid, "functions");
    else if (entry.name.startsWith("emulators")) byPid.set(pid, "emulators");
  }
  const postmaster = readPid(`${stateDir}/pgdata/postmaster.pid`);
  if (postmaster !== null) byPid.set(postmaster, "postgres");
  return byPid;
}

/** CPU time (user + system) of a live process, in µs. */
export function processCpuUs(pid: number): number {
  const stat = processTicks(pid);
  if (!stat) throw new Error(`process ${pid} is gone`);
  return (stat.ticks * 1e6) / TICKS_PER_S;
}

/**
 * utime + stime (ticks) and the parent of a process, or null if it is gone. `reaped`: also the CPU of
 * its children that have ended and been waited for (cutime + cstime).
 */
function processTicks(pid: number, reaped = false): { ticks: number; ppid: number } | null {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // after "pid (comm) ": state ppid ... utime is field 14, stime 15 (1-based, comm may hold spaces)
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const own = Number(fields[11]) + Number(fields[12]);
  const children = reaped ? Number(fields[13]) + Number(fields[14]) : 0;
  return { ticks: own + children, ppid: Number(fields[1]) };
}

export function cpuSnapshot(stateDir: string): CpuSnapshot {
  const known = roles(stateDir);
  const processes = new Map<number, { role: Role; ticks: number; reaped: boolean }>();
  const postmaster = [...known].find(([, role]) => role === "postgres")?.[0];
  // The functions host's function workers are its children (dev/functions-limits.ts), and so are
  // counted with it, the ended ones through its reaped children's CPU.
  const hosts = new Set([...known].filter(([, role]) => role === "functions").map(([pid]) => pid));
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = processTicks(pid, pid === postmaster || hosts.has(pid));
    if (!stat) continue;
    const role = known.get(pid) ??
      (stat.ppid === postmaster ? "postgres" : hosts.has(stat.ppid) ? "functions" : undefined);
    const reaped = stat.ppid === postmaster || hosts.has(stat.ppid);
    if (role) processes.set(pid, { role, ticks: stat.ticks, reaped });
  }
  // cpu  user nice system idle iowait irq softirq steal
  const cpu = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1, 9)
    .map(Number);
  const idle = cpu[3] + cpu[4];
  return { processes, machineBusy: cpu.reduce((a, b) => a + b, 0) - idle, machineIdle: idle };
}

export function cpuUse(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const seconds = Object.fromEntries([...ROLES, "other"].map((r) => [r, 0])) as CpuUse["seconds"];
  for (const [pid, { role, ticks }] of after.processes) {
    // a process that started during the phase counts from zero; one that ended is in `other`
    seconds[role] += (ticks - (before.processes.get(pid)?.ticks ?? 0)) / TICKS_PER_S;
  }
  // A child that ended within the phase is in its parent's reaped CPU with its whole life: what it
  // had used before the phase began is not the phase's.
  for (const [pid, { role, ticks, reaped }] of before.processes) {
    if (reaped && !after.processes.has(pid)) seconds[role] -= ticks / TICKS_PER_S;
  }
  const busy = (after.machineBusy - before.machineBusy) / TICKS_PER_S;
  const idle = (after.machineIdle - before.machineIdle) / TICKS_PER_S;
  seconds.other = Math.max(0, busy - ROLES.reduce((sum, r) => sum + seconds[r], 0));
  return { seconds, idleShare: idle / Math.max(busy + idle, 1e-9) };
}

/** "postgres 100 µs, functions 160 µs, ... a post; machine idle 3%" */
export function perPost(use: CpuUse, posts: number): string {
  const parts = ([...ROLES, "other"] as const)
    .filter((r) => use.seconds[r] > 0)
    .map((r) => `${r} ${Math.round((use.seconds[r] * 1e6) / Math.max(posts, 1))} µs`);
  return `CPU a post: ${parts.join(", ")}; machine idle ${Math.round(use.idleShare * 100)}%`;
}

/**
 * "Postgres 120 µs a post = 0.43x a simple-update transaction (280 µs)", against each baseline given as
 * [its CPU µs, what it is].
 */
export function pgPerPost(
  use: CpuUse,
  posts: number,
  ...baselines: [us: number, name: string][]
): string {
  const us = (use.seconds.postgres * 1e6) / Math.max(posts, 1);
  const ratios = baselines.map(([baselineUs, name]) =>
    `${(us / baselineUs).toFixed(2)}x ${name} (${Math.round(baselineUs)} µs)`
  );
  return `Postgres ${Math.round(us)} µs a post = ${ratios.join(", ")}`;
}
