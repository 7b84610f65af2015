// A class in one `stack`: N TCP points servers (a generated roster), no clients, the dashboard on. What a
// lecturer who gives each student a user needs to know: the database load at rest, how soon each interval's
// claims are written, the memory, and whether the dashboard stays usable. Two runs per size: one at rest
// (UPDATE_INTERVAL an hour) and one ticking (UPDATE_INTERVAL=5, five intervals).
import * as Fs from "node:fs"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"
import type { BenchDatabase } from "./database.js"
import { freeFixedPorts } from "../test/support/processes.js"
import { freePort, type Proc, rssMb, sleep } from "./procs.js"
import { listeningPorts, startScoreline } from "./scenarios.js"

export interface ClassStackResult {
  readonly users: number
  readonly start_ms: number
  readonly rss_mb: number
  /** Statements a second the whole stack (servers and dashboard) sent at rest, REFRESH_INTERVAL=1. */
  readonly db_idle_per_s: number | null
  /** GET /api/snapshot, sequential requests: the mean time of one. */
  readonly snapshot_ms: number
  /** Probes the dashboard sent a second (the servers' own request counters, at rest). */
  readonly probes_per_s: number
  /** Ticking: each claim's time after its interval's boundary (the server's "point added" log), p50 and p99. */
  readonly claim_p50_ms: number
  readonly claim_p99_ms: number
  /** Ticking: slots claimed per user over the intervals (min and max), and rows the ledger holds twice. */
  readonly claims_per_user: { readonly min: number; readonly max: number }
  readonly duplicate_claims: number
  readonly intervals: number
}

const TICK_SECONDS = 5
const INTERVALS = 5

/** The p-th percentile (nearest rank) of the values; NaN when there are none. */
export const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export const writeRoster = async (dir: string, users: number, run: string) => {
  const file = Path.join(dir, `class-${users}-${run}.json`)
  const servers = (await freeFixedPorts(users)).map((port, i) => ({ user: `class${users}_${run}_${i}`, transport: "tcp", port }))
  Fs.writeFileSync(file, JSON.stringify({ name: `class${users}`, description: `bench: a class of ${users}`, servers }))
  return { file, servers }
}

const startClass = (env: Record<string, string>, roster: string, httpPort: number, updateInterval: number) =>
  startScoreline("stack", "stack", {
    ...env,
    ROSTER: roster,
    SERVER_HOST: "127.0.0.1",
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: String(httpPort),
    UPDATE_INTERVAL: String(updateInterval),
    REFRESH_INTERVAL: "1",
    STACK_CLIENTS: "false",
    STACK_ECHO: "false",
    STACK_MESSAGES: "false",
    STACK_DASHBOARD: "true"
  })

/**
 * Starts a class on ports free a moment ago, and waits until every server listens. Another program may take
 * one of a thousand ports in between (the stack then stops, naming it): a fresh roster is tried, up to 3 times.
 */
const startListening = async (db: BenchDatabase, tempDir: string, users: number, run: string, updateInterval: number) => {
  for (let attempt = 1; ; attempt++) {
    const roster = await writeRoster(tempDir, users, run)
    const database = await db.connect()
    const httpPort = await freePort()
    const proc = startClass(database.env, roster.file, httpPort, updateInterval)
    try {
      const { ms } = await listeningPorts(proc, users)
      return { proc, database, httpPort, start_ms: ms }
    } catch (error) {
      await proc.stop()
      if (attempt === 3 || !/EADDRINUSE/.test(proc.output())) throw error
    }
  }
}

/** The sum of a counter's samples in the dashboard's /metrics (the stack's one registry). */
const counterSum = async (httpPort: number, name: string) => {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
  return text.split("\n").filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0)
}

const meanSnapshotMs = async (httpPort: number, requests: number) => {
  const t0 = performance.now()
  for (let i = 0; i < requests; i++) {
    const response = await fetch(`http://127.0.0.1:${httpPort}/api/snapshot`)
    if (!response.ok) throw new Error(`GET /api/snapshot answered ${response.status}`)
    await response.arrayBuffer()
  }
  return (performance.now() - t0) / requests
}

/** The stack's "point added" logs (logfmt lines on stderr): each claim's delay after its slot's boundary. */
const collectClaims = (proc: Proc) => {
  const delays: Array<number> = []
  let pending = ""
  proc.child.stderr!.on("data", (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split("\n")
    pending = lines.pop() ?? ""
    for (const line of lines) {
      const added = /^timestamp=(\S+) .*message="point added".* slot=(\d+)/.exec(line)
      if (added !== null) delays.push(Date.parse(added[1]!) - Number(added[2]) * TICK_SECONDS * 1000)
    }
  })
  return delays
}

export const classStack = async (db: BenchDatabase, users: number, tempDir: string, idleMs: number): Promise<ClassStackResult> => {
  // At rest: an hour between points, so the window sees only the refresh, the dashboard and the probes.
  const { database: restDb, httpPort: restPort, proc: resting, start_ms } = await startListening(db, tempDir, users, "rest", 3600)
  let rss_mb: number
  let db_idle_per_s: number | null
  let snapshot_ms: number
  let probes_per_s: number
  try {
    await resting.waitFor(/dashboard at http/, 60_000)
    await sleep(idleMs) // settle: the first refresh and probe rounds
    rss_mb = rssMb(resting.child.pid!)
    const statements0 = restDb.statements?.()
    const probes0 = await counterSum(restPort, "scoreline_socket_requests_total")
    const t0 = performance.now()
    await sleep(Math.max(idleMs, 10_000))
    const seconds = (performance.now() - t0) / 1000
    const statements1 = restDb.statements?.()
    probes_per_s = ((await counterSum(restPort, "scoreline_socket_requests_total")) - probes0) / seconds
    db_idle_per_s = statements0 === undefined || statements1 === undefined ? null : (statements1 - statements0) / seconds
    snapshot_ms = await meanSnapshotMs(restPort, 200)
  } finally {
    await resting.stop()
  }

  // Ticking: five intervals of UPDATE_INTERVAL=5; every claim's delay, and the ledger's count per user.
  const { database: tickDb, proc: running } = await startListening(db, tempDir, users, "tick", TICK_SECONDS)
  const delays = collectClaims(running)
  try {
    await sleep((INTERVALS * TICK_SECONDS + 3) * 1000)
  } finally {
    await running.stop()
  }
  const prefix = `class${users}_tick_`
  const counts = (await db.query<{ user: string; claims: number; slots: number }>(
    tickDb.env,
    "SELECT user, COUNT(*) AS claims, COUNT(DISTINCT slot) AS slots FROM point_ticks GROUP BY user"
  )).filter((row) => row.user.startsWith(prefix))
  const claimed = counts.map((row) => Number(row.claims))
  return {
    users,
    start_ms,
    rss_mb,
    db_idle_per_s,
    snapshot_ms,
    probes_per_s,
    claim_p50_ms: percentile(delays, 50),
    claim_p99_ms: percentile(delays, 99),
    claims_per_user: { min: counts.length < users ? 0 : Math.min(...claimed), max: Math.max(0, ...claimed) },
    duplicate_claims: counts.reduce((n, row) => n + Number(row.claims) - Number(row.slots), 0),
    intervals: INTERVALS
  }
}

export const classStackTable = (results: ReadonlyArray<ClassStackResult>) =>
  [
    "| users in one `stack` | start → all listening | idle RSS | DB stmt/s at rest | probes/s | GET /api/snapshot | µs per user | claims after the boundary p50 / p99 | claims per user (of 5–6 intervals) | twice-claimed slots |",
    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...results.map((r) =>
      `| ${r.users.toLocaleString("en-US")} | ${Math.round(r.start_ms)} ms | ${r.rss_mb.toFixed(0)} MB | ${r.db_idle_per_s === null ? "–" : r.db_idle_per_s.toFixed(1)} | ${r.probes_per_s.toFixed(0)} | ${r.snapshot_ms.toFixed(2)} ms | ${((r.snapshot_ms * 1000) / r.users).toFixed(1)} | ${Math.round(r.claim_p50_ms)} / ${Math.round(r.claim_p99_ms)} ms | ${r.claims_per_user.min}–${r.claims_per_user.max} | ${r.duplicate_claims} |`
    )
  ].join("\n")
