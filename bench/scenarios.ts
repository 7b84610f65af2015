// What the bench measures: the load rows (scoreline against the bare baseline), start-up and idle memory,
// and stacks of several servers. Each function starts what it needs and stops it before returning.
import * as Fs from "node:fs"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"
import type { BenchDatabase } from "./database.js"
import { type LoadResult, type Mode, runLoad } from "./loadgen.js"
import { cpuSeconds, freePort, type Proc, ROOT, rssMb, sleep, start } from "./procs.js"

export interface Timing {
  readonly durationS: number
  readonly warmupS: number
  /** Rounds per load row, alternating the two servers; each keeps its median round. */
  readonly rounds: number
}

export interface Measured extends LoadResult {
  /** The server's CPU over the run (warm-up included), 1.0 = one core busy. */
  readonly server_cpu: number
  /** Statements per second the server sent to the database during the run (null: not countable). */
  readonly db_per_s: number | null
}

export interface RowResult {
  readonly mode: Mode
  readonly concurrency: number
  /** HTTP rows: the path asked for. */
  readonly path?: string
  readonly scoreline: Measured
  readonly baseline: Measured
  readonly ratio: number
}

export interface Target {
  readonly pid: number
  readonly port: number
  readonly statements?: (() => number) | undefined
  /** What this server is asked, when not the points protocol's line (Redis), and how its replies start. */
  readonly request?: { readonly oneshot: string; readonly persistent: string; readonly expect: string }
}

export const LISTENING = /message="points server listening"[^\n]* port=(\d+)/g

/** `node dist/<program>.mjs` (or the tsx source run) with the bench's quiet, fixed settings. */
export const startScoreline = (name: string, program: string, env: Record<string, string>, viaTsx = false): Proc =>
  viaTsx
    ? start(name, Path.join(ROOT, "node_modules/.bin/tsx"), [`src/programs/${program}.ts`], env)
    : start(name, process.execPath, [`dist/${program}.mjs`], env)

export const serverEnv = (user: string, transport: "tcp" | "udp", db: Record<string, string>) => ({
  ...db,
  SERVER_USER: user,
  SERVER_HOST: "127.0.0.1",
  SERVER_PORT: "0",
  TRANSPORT: transport,
  LOG_LEVEL: "info"
})

/** The ports a started program logged as listening, once it has logged `count` of them. */
export const listeningPorts = async (proc: Proc, count = 1): Promise<{ ports: Array<number>; ms: number }> => {
  const found = (output: string) => [...output.matchAll(LISTENING)].map((m) => Number(m[1]))
  const ms = await proc.waitFor((output) => found(output).length >= count, 60_000)
  return { ports: found(proc.output()), ms }
}

/** One load run against one server, with that server's CPU and database statements over the same time. */
export const measure = async (
  target: Target,
  mode: Mode,
  concurrency: number,
  timing: Timing,
  extra: { ports?: ReadonlyArray<number>; path?: string } = {}
): Promise<Measured> => {
  const cpu0 = cpuSeconds(target.pid)
  const statements0 = target.statements?.()
  const t0 = performance.now()
  const asked = target.request === undefined || (mode !== "oneshot" && mode !== "persistent")
    ? {}
    : { request: target.request[mode], expect: target.request.expect }
  const result = await runLoad({ mode, concurrency, ports: extra.ports ?? [target.port], ...timing, ...extra, ...asked })
  const elapsed = (performance.now() - t0) / 1000
  const statements1 = target.statements?.()
  return {
    ...result,
    server_cpu: (cpuSeconds(target.pid) - cpu0) / elapsed,
    db_per_s: statements0 === undefined || statements1 === undefined ? null : (statements1 - statements0) / elapsed
  }
}

/**
 * The median round (by req/s, with its own latencies), with the errors and timeouts of all rounds: on a noisy
 * machine the median is what neither a lucky nor an unlucky round decides (the fastest would flatter).
 */
const medianRound = (runs: ReadonlyArray<Measured>): Measured => {
  const middle = [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!
  return { ...middle, errors: runs.reduce((n, r) => n + r.errors, 0), timeouts: runs.reduce((n, r) => n + r.timeouts, 0) }
}

/**
 * A row: `rounds` alternating rounds, scoreline then the reference, back to back, so both see the same
 * machine; each keeps its median round.
 */
export const row = async (
  scoreline: Target,
  baseline: Target,
  mode: Mode,
  concurrency: number,
  timing: Timing,
  path?: string
): Promise<RowResult> => {
  const extra = path === undefined ? {} : { path }
  const bare: Array<Measured> = []
  const ours: Array<Measured> = []
  for (let round = 0; round < timing.rounds; round++) {
    ours.push(await measure(scoreline, mode, concurrency, timing, extra))
    bare.push(await measure(baseline, mode, concurrency, timing, extra))
  }
  const [b, o] = [medianRound(bare), medianRound(ours)]
  return { mode, concurrency, ...extra, scoreline: o, baseline: b, ratio: b.rps > 0 ? o.rps / b.rps : 0 }
}

export interface StartupResult {
  readonly how: string
  readonly start_ms: number
  readonly rss_mb: number
  readonly stop_ms: number
  readonly exit: number | string
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Start → listening, idle RSS after `idleMs`, SIGTERM → exit; the median of `runs` starts each. */
export const startup = async (db: BenchDatabase, runs: number, idleMs: number, reply: string): Promise<Array<StartupResult>> => {
  const ways: Array<{ how: string; launch: () => Promise<{ proc: Proc; ms: number }> }> = [
    { how: "`node dist/server.mjs`", launch: () => launchServer(db, false) },
    { how: "`tsx src/programs/server.ts`", launch: () => launchServer(db, true) },
    {
      how: "bare Node (`bench/baseline.mjs`)",
      launch: async () => {
        const proc = start("baseline", process.execPath, ["bench/baseline.mjs", reply])
        return { proc, ms: await proc.waitFor(/"tcp":\d+/) }
      }
    }
  ]
  const results: Array<StartupResult> = []
  for (const way of ways) {
    const samples: Array<StartupResult> = []
    for (let i = 0; i < runs; i++) {
      const { proc, ms } = await way.launch()
      await sleep(idleMs)
      const rss = rssMb(proc.child.pid!)
      const stopped = await proc.stop()
      samples.push({ how: way.how, start_ms: ms, rss_mb: rss, stop_ms: stopped.stopMs, exit: stopped.code })
    }
    results.push({
      how: way.how,
      start_ms: median(samples.map((s) => s.start_ms)),
      rss_mb: median(samples.map((s) => s.rss_mb)),
      stop_ms: median(samples.map((s) => s.stop_ms)),
      exit: samples.find((s) => s.exit !== 0)?.exit ?? 0
    })
  }
  return results
}

let startupUsers = 0
const launchServer = async (db: BenchDatabase, viaTsx: boolean) => {
  const { env } = await db.connect()
  const proc = startScoreline("server", "server", serverEnv(`bench_start_${startupUsers++}`, "tcp", env), viaTsx)
  const { ms } = await listeningPorts(proc)
  return { proc, ms }
}

export interface StackResult {
  readonly servers: number
  readonly rss_mb: number
  readonly start_ms: number
  readonly oneshot: Measured
  readonly persistent: Measured
  readonly db_idle_per_s: number | null
}

/** A `stack` of `servers` TCP points servers (no clients, echo, messages or dashboard), loaded across all. */
export const stack = async (db: BenchDatabase, servers: number, tempDir: string, timing: Timing, idleMs: number): Promise<StackResult> => {
  const roster = Path.join(tempDir, `stack-${servers}.json`)
  const entries = []
  for (let i = 0; i < servers; i++) entries.push({ user: `bench_stack${servers}_${i}`, transport: "tcp", port: await freePort() })
  Fs.writeFileSync(roster, JSON.stringify({ name: `bench${servers}`, description: `bench: ${servers} TCP servers`, servers: entries }))
  const { env, statements } = await db.connect()
  const proc = startScoreline("stack", "stack", {
    ...env,
    ROSTER: roster,
    SERVER_HOST: "127.0.0.1",
    STACK_CLIENTS: "false",
    STACK_ECHO: "false",
    STACK_MESSAGES: "false",
    STACK_DASHBOARD: "false"
  })
  try {
    const { ms } = await listeningPorts(proc, servers)
    // Settle first (the refresh fibers start one REFRESH_INTERVAL after listening), then count a window.
    await sleep(idleMs)
    const rss = rssMb(proc.child.pid!)
    const idle0 = statements?.()
    await sleep(idleMs)
    const idle1 = statements?.()
    const target = { pid: proc.child.pid!, port: entries[0]!.port, statements }
    const ports = entries.map((e) => e.port)
    const oneshot = await measure(target, "oneshot", 128, timing, { ports })
    const persistent = await measure(target, "persistent", 128, timing, { ports })
    const dbIdle = idle0 === undefined || idle1 === undefined ? null : (idle1 - idle0) / (idleMs / 1000)
    return { servers, rss_mb: rss, start_ms: ms, oneshot, persistent, db_idle_per_s: dbIdle }
  } finally {
    await proc.stop()
  }
}
