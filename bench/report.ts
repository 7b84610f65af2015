// docs/BENCHMARKS.md from the runs in bench/results/<label>.json. The bench rewrites only its marked
// blocks (<!-- bench:NAME begin --> … <!-- bench:NAME end -->); every other section is left as written.
import { type ClassStackResult, classStackTable } from "./classStack.js"
import type { EventsResult } from "./events.js"
import type { Measured, RowResult, StackResult, StartupResult, Timing } from "./scenarios.js"

export interface BenchRun {
  readonly label: string
  readonly date: string
  readonly node: string
  readonly cores: number
  readonly cpu: string
  readonly loadAverage: ReadonlyArray<number>
  readonly database: string
  readonly quick: boolean
  readonly timing: Timing
  readonly rows: ReadonlyArray<RowResult>
  /** The single HTTP row of runs recorded before issue 17 (GET /api/users, c=16). */
  readonly http?: RowResult | { readonly skipped: string }
  /** REST rows: the dashboard's hot reads against node:http with the same body. */
  readonly rest?: ReadonlyArray<RowResult> | { readonly skipped: string }
  /** Scoreline's points server against Redis (`INCRBY k 0`), the yardstick. */
  readonly redis?: ReadonlyArray<RowResult> | { readonly skipped: string }
  readonly startup: ReadonlyArray<StartupResult>
  /** Classes in one stack; runs recorded before issue 17 hold stacks of 1, 4 and 12 loaded servers instead. */
  readonly stacks: ReadonlyArray<ClassStackResult | StackResult>
  /** Point-change events through RabbitMQ: a ticking stack's outbox against amqplib publishing alone. */
  readonly events?: EventsResult | { readonly skipped: string }
}

const MODE_NAMES = { oneshot: "TCP one-shot", persistent: "TCP persistent", udp: "UDP", http: "HTTP GET /api/users" } as const
const rowName = (r: { mode: keyof typeof MODE_NAMES; concurrency: number; path?: string }) =>
  r.mode === "http" && r.path !== undefined ? `HTTP GET ${r.path.replace(/bench_rest_\d+/, "{user}")} c=${r.concurrency}` : `${MODE_NAMES[r.mode]} c=${r.concurrency}`
const int = (n: number) => Math.round(n).toLocaleString("en-US")
const ms = (n: number) => (n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3))
const share = (n: number) => `${Math.round(n * 100)} %`
const db = (n: number | null) => (n === null ? "–" : n.toFixed(1))
const times = (n: number) => `${n.toFixed(2)}×`

const measuredCells = (m: Measured) =>
  [int(m.rps), ms(m.p50_ms), ms(m.p99_ms), ms(m.p999_ms), String(m.errors), String(m.timeouts)]

const listed = (rows: BenchRun["rest"]): ReadonlyArray<RowResult> => (rows === undefined || "skipped" in rows ? [] : rows)

const loadTable = (run: BenchRun) => {
  const http = run.http === undefined || "skipped" in run.http ? [] : [run.http]
  const rows = [...run.rows, ...http, ...listed(run.rest)]
  if (rows.length === 0) return ""
  const lines = [
    "| row | server | req/s | p50 ms | p99 ms | p99.9 ms | errors | timeouts | × bare | DB stmt/s | server CPU | loadgen CPU |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
  ]
  for (const r of rows) {
    lines.push(`| ${rowName(r)} | scoreline | ${measuredCells(r.scoreline).join(" | ")} | ${times(r.ratio)} | ${db(r.scoreline.db_per_s)} | ${share(r.scoreline.server_cpu)} | ${share(r.scoreline.cpu_share)} |`)
    lines.push(`| | bare Node | ${measuredCells(r.baseline).join(" | ")} | | | ${share(r.baseline.server_cpu)} | ${share(r.baseline.cpu_share)} |`)
  }
  if (run.http !== undefined && "skipped" in run.http) lines.push("", `HTTP row skipped: ${run.http.skipped}.`)
  if (run.rest !== undefined && "skipped" in run.rest && !run.rest.skipped.startsWith("not run")) lines.push("", `REST rows skipped: ${run.rest.skipped}.`)
  return lines.join("\n")
}

/** Scoreline's points protocol against Redis's INCRBY on the same load generator. */
const redisTable = (run: BenchRun) => {
  if (run.redis === undefined) return ""
  if ("skipped" in run.redis) return run.redis.skipped.startsWith("not run") ? "" : `Redis rows skipped: ${run.redis.skipped}.`
  return [
    "| row (c=128) | server | req/s | p50 ms | p99 ms | p99.9 ms | errors | timeouts | × Redis | server CPU |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...run.redis.flatMap((r) => [
      `| ${MODE_NAMES[r.mode]} | scoreline \`REQUEST_LATEST_POINTS\` | ${measuredCells(r.scoreline).join(" | ")} | ${times(r.ratio)} | ${share(r.scoreline.server_cpu)} |`,
      `| | Redis \`INCRBY k 0\`${r.mode === "oneshot" ? " + `QUIT`" : ""} | ${measuredCells(r.baseline).join(" | ")} | | ${share(r.baseline.server_cpu)} |`
    ])
  ].join("\n")
}

const eventsTable = (run: BenchRun) => {
  if (run.events === undefined) return ""
  if ("skipped" in run.events) return run.events.skipped.startsWith("not run") ? "" : `Events row skipped: ${run.events.skipped}.`
  const e = run.events
  return [
    `| events (${e.users} users, UPDATE_INTERVAL=${e.update_interval_s}, ${e.seconds} s) | events/s | slot boundary → receipt p50 ms | p99 ms | received | duplicates | owed at the end |`,
    "|---|--:|--:|--:|--:|--:|--:|",
    `| scoreline: a \`stack\`'s outbox (ledger → confirms) | ${e.scoreline.events_per_s.toFixed(1)} | ${int(e.scoreline.p50_ms)} | ${int(e.scoreline.p99_ms)} | ${e.scoreline.received} | ${e.scoreline.duplicates} | ${e.scoreline.owed_at_end} |`,
    `| reference: amqplib publishing each boundary's batch with confirms | ${e.reference.events_per_s.toFixed(1)} | ${int(e.reference.p50_ms)} | ${int(e.reference.p99_ms)} | ${e.reference.received} | | |`
  ].join("\n")
}

const startupTable = (run: BenchRun) =>
  [
    "| how it runs | start → listening | idle RSS | SIGTERM → exit |",
    "|---|--:|--:|--:|",
    ...run.startup.map((s) => `| ${s.how} | ${int(s.start_ms)} ms | ${s.rss_mb.toFixed(0)} MB | ${int(s.stop_ms)} ms (exit ${s.exit}) |`)
  ].join("\n")

const isClass = (s: ClassStackResult | StackResult): s is ClassStackResult => "users" in s

/** The stacks of a run recorded before issue 17: a few servers, loaded across all of them. */
const loadedStackTable = (stacks: ReadonlyArray<StackResult>) =>
  [
    "| `stack` of | start → all listening | idle RSS | DB stmt/s idle | one-shot c=128 req/s (p99 ms) | persistent c=128 req/s (p99 ms) | errors + timeouts |",
    "|--:|--:|--:|--:|--:|--:|--:|",
    ...stacks.map((s) =>
      `| ${s.servers} | ${int(s.start_ms)} ms | ${s.rss_mb.toFixed(0)} MB | ${db(s.db_idle_per_s)} | ${int(s.oneshot.rps)} (${ms(s.oneshot.p99_ms)}) | ${int(s.persistent.rps)} (${ms(s.persistent.p99_ms)}) | ${s.oneshot.errors + s.oneshot.timeouts + s.persistent.errors + s.persistent.timeouts} |`
    )
  ].join("\n")

const stacksTable = (stacks: BenchRun["stacks"]) => {
  const classes = stacks.filter(isClass)
  return classes.length > 0 ? classStackTable(classes) : loadedStackTable(stacks as ReadonlyArray<StackResult>)
}

/** The bench's sections, in the order they run. */
export const SECTIONS = ["socket", "redis", "rest", "startup", "class", "events"] as const
export type Section = typeof SECTIONS[number]

/** The sections a recorded run holds rows for (runs recorded before a section existed lack its field). */
export const sectionsOf = (run: BenchRun): ReadonlyArray<Section> => {
  const holds: { readonly [S in Section]: boolean } = {
    socket: run.rows.length > 0,
    redis: listed(run.redis).length > 0,
    rest: listed(run.rest).length > 0,
    startup: (run.startup?.length ?? 0) > 0,
    class: (run.stacks?.length ?? 0) > 0,
    events: run.events !== undefined && !("skipped" in run.events)
  }
  return SECTIONS.filter((section) => holds[section])
}

export const runSection = (run: BenchRun) =>
  [
    `### ${run.label}: ${run.date}${run.quick ? " (--quick)" : ""}`,
    "",
    `Node ${run.node}, ${run.cores} cores (${run.cpu}), load average ${run.loadAverage.map((n) => n.toFixed(2)).join(" / ")} at the start ` +
    `(the machine was shared with other work: compare rows within a run, not across runs). Database: ${run.database}. ` +
    `Each load row: ${run.timing.rounds ?? 1} round(s) ${run.label === "before" ? "of bare Node then scoreline" : "alternating scoreline and the reference"}, each ${run.timing.warmupS} s warm-up then ${run.timing.durationS} s measured; ` +
    `each server's ${run.label === "before" ? "fastest" : "median"} round is shown, with the errors and timeouts of all rounds.`,
    "",
    loadTable(run),
    redisTable(run),
    run.startup.length === 0 ? "" : startupTable(run),
    run.stacks.length === 0 ? "" : stacksTable(run.stacks),
    eventsTable(run)
  ].filter((part) => part !== "").join("\n\n")

/** The issue's targets, one column per run (before, after). */
export const summarySection = (runs: ReadonlyArray<BenchRun>) => {
  const find = (run: BenchRun, mode: string, c: number) => run.rows.find((r) => r.mode === mode && r.concurrency === c)
  const cell = (run: BenchRun, f: (run: BenchRun) => string | undefined) => f(run) ?? "–"
  const ratio = (mode: string, c: number) => (run: BenchRun) => {
    const r = find(run, mode, c)
    return r && `${times(r.ratio)} (${int(r.scoreline.rps)} / ${int(r.baseline.rps)})`
  }
  const p99 = (run: BenchRun) =>
    [["oneshot", 128], ["persistent", 128], ["udp", 16]].map(([m, c]) => {
      const r = find(run, m as string, c as number)
      return r ? times(r.scoreline.p99_ms / r.baseline.p99_ms) : "–"
    }).join(" / ")
  const failures = (run: BenchRun) => String(run.rows.reduce((n, r) => n + r.scoreline.errors + r.scoreline.timeouts, 0))
  const dbFlat = (run: BenchRun) => run.rows.filter((r) => r.mode === "oneshot").map((r) => db(r.scoreline.db_per_s)).join(" → ")
  const rss = (run: BenchRun) => {
    const ours = run.startup.find((s) => s.how.includes("dist/server.mjs"))
    const bare = run.startup.find((s) => s.how.includes("bare"))
    return ours && bare && `${times(ours.rss_mb / bare.rss_mb)} (${ours.rss_mb.toFixed(0)} / ${bare.rss_mb.toFixed(0)} MB)`
  }
  const startMs = (run: BenchRun) => {
    const ours = run.startup.find((s) => s.how.includes("dist/server.mjs"))
    const bare = run.startup.find((s) => s.how.includes("bare"))
    return ours && bare && `${times(ours.start_ms / bare.start_ms)} (${(ours.start_ms / 1000).toFixed(2)} / ${(bare.start_ms / 1000).toFixed(2)} s)`
  }
  const restWorst = (run: BenchRun) => {
    const rows = listed(run.rest)
    if (rows.length === 0) return undefined
    const worst = rows.reduce((a, b) => (b.ratio < a.ratio ? b : a))
    return `${times(worst.ratio)} (${rowName(worst).replace("HTTP ", "")})`
  }
  const restP99 = (run: BenchRun) => {
    const rows = listed(run.rest)
    if (rows.length === 0) return undefined
    const worst = Math.max(...rows.map((r) => r.scoreline.p99_ms / r.baseline.p99_ms))
    return `${times(worst)}; ${rows.reduce((n, r) => n + r.scoreline.errors + r.scoreline.timeouts, 0)}`
  }
  const redisRatio = (run: BenchRun) => {
    const rows = listed(run.redis)
    return rows.length === 0 ? undefined : rows.map((r) => times(r.ratio)).join(" / ")
  }
  const classOf = (run: BenchRun, users: number) => run.stacks.filter(isClass).find((s) => s.users === users)
  const classDb = (run: BenchRun) => {
    const c = classOf(run, 1000)
    return c && c.db_idle_per_s !== null ? `${c.db_idle_per_s.toFixed(1)} (1 user: ${db(classOf(run, 1)?.db_idle_per_s ?? null)})` : undefined
  }
  const classClaims = (run: BenchRun) => {
    const c = classOf(run, 1000)
    return c && `${(c.claim_p99_ms / 1000).toFixed(2)} s; ${c.claims_per_user.min}–${c.claims_per_user.max} per user, ${c.duplicate_claims} twice`
  }
  const classRss = (run: BenchRun) => {
    const [big, one] = [classOf(run, 1000), classOf(run, 1)]
    return big && one && `${times(big.rss_mb / one.rss_mb)} (${big.rss_mb.toFixed(0)} / ${one.rss_mb.toFixed(0)} MB)`
  }
  const classSnapshot = (run: BenchRun) => {
    const [big, five] = [classOf(run, 1000), classOf(run, 5)]
    return big && five && `${times((big.snapshot_ms / 1000) / (five.snapshot_ms / 5))} (${big.snapshot_ms.toFixed(2)} ms / ${five.snapshot_ms.toFixed(2)} ms)`
  }
  const targets: Array<[string, string, (run: BenchRun) => string | undefined]> = [
    ["TCP one-shot c=128, × bare Node (median of alternating rounds)", "≥ 0.9×", ratio("oneshot", 128)],
    ["TCP persistent c=128, × bare Node", "≥ 0.9×", ratio("persistent", 128)],
    ["UDP c=16, × bare Node", "≥ 0.9×", ratio("udp", 16)],
    ["p99 × bare Node's (one-shot 128 / persistent 128 / UDP 16)", "≤ 1.5×", p99],
    ["REST hot reads (4 paths × c=16, 64), lowest × bare node:http", "≥ 0.5×", restWorst],
    ["REST hot reads, highest p99 × bare node:http's; errors + timeouts", "≤ 2×; 0", restP99],
    ["Redis yardstick: one-shot / persistent c=128, × Redis", "–", redisRatio],
    ["scoreline errors + timeouts, all rows", "0", failures],
    ["DB statements/s, one-shot c=1 → 16 → 128", "flat", dbFlat],
    ["idle RSS of `node dist/server.mjs` × bare Node", "≤ 1.5×", rss],
    ["start → listening, `node dist/server.mjs` × bare Node", "≤ 3×", startMs],
    ["a class of 1,000 in one stack: DB statements/s at rest, REFRESH_INTERVAL=1", "≤ 5", classDb],
    ["… each interval's claims written after the boundary, p99 (UPDATE_INTERVAL=5); exactly once", "≤ 2 s", classClaims],
    ["… idle RSS × a 1-user stack", "≤ 3×", classRss],
    ["… GET /api/snapshot per user × a 5-user stack's", "≤ 2×", classSnapshot]
  ]
  return [
    `| target | goal | ${runs.map((r) => `${r.label} (${r.date.slice(0, 10)})`).join(" | ")} |`,
    `|---|---|${runs.map(() => "--:").join("|")}|`,
    ...targets.map(([name, goal, f]) => `| ${name} | ${goal} | ${runs.map((run) => cell(run, f)).join(" | ")} |`)
  ].join("\n")
}

const marker = (name: string, edge: "begin" | "end") => `<!-- bench:${name} ${edge} -->`

/** Replaces the block `name` in `doc`, or adds it before `beforeHeading` (or at the end) the first time. */
export const replaceBlock = (doc: string, name: string, content: string, beforeHeading: string): string => {
  const block = `${marker(name, "begin")}\n${content}\n${marker(name, "end")}`
  const begin = doc.indexOf(marker(name, "begin"))
  const end = doc.indexOf(marker(name, "end"))
  if (begin !== -1 && end > begin) return doc.slice(0, begin) + block + doc.slice(end + marker(name, "end").length)
  const at = doc.indexOf(beforeHeading)
  return at === -1 ? `${doc.trimEnd()}\n\n${block}\n` : `${doc.slice(0, at)}${block}\n\n${doc.slice(at)}`
}
