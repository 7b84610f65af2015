// npm run bench [-- [socket] [redis] [rest] [startup] [class] [events]] [--quick] [--label NAME] [--embedded] [--no-write | --write]
//
// Sections named: only those run (`npm run bench -- rest` runs the REST rows), and nothing is written unless
// --write. None named: all of them.
// Builds the programs (npm run build) and the C load generator, then measures the production build of a
// points server against a bare Node server in the same run, on MariaDB when it is reachable (else the
// embedded database). Writes bench/results/<label>.json and regenerates the marked blocks of
// docs/BENCHMARKS.md. --label defaults to "after" (the current code; "before" holds the figures taken
// before the issue 8 work). --quick (about a minute) prints its tables but writes nothing unless --write.
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { openDatabase } from "./database.js"
import { buildLoadgen, type Mode } from "./loadgen.js"
import { killAll, ROOT, start, tcpAsk } from "./procs.js"
import { brokerAway, eventsRows } from "./events.js"
import { redisRows, startRedis } from "./redis.js"
import { restRows } from "./rest.js"
import { type BenchRun, replaceBlock, runSection, type Section, SECTIONS, sectionsOf, summarySection } from "./report.js"
import { classStack } from "./classStack.js"
import { listeningPorts, row, type RowResult, serverEnv, startScoreline, startup, type StartupResult } from "./scenarios.js"

const args = process.argv.slice(2)
const flag = (name: string) => args.includes(name)
const value = (name: string, fallback: string) => {
  const at = args.indexOf(name)
  return at !== -1 && args[at + 1] !== undefined ? args[at + 1]! : fallback
}
if (flag("--help")) {
  console.log(`usage: npm run bench [-- [${SECTIONS.join("] [")}]] [--quick] [--label NAME] [--embedded] [--no-write | --write]`)
  process.exit(0)
}
const named = SECTIONS.filter((section) => args.includes(section))
const unknown = args.filter((arg, i) => !arg.startsWith("--") && !SECTIONS.includes(arg as Section) && args[i - 1] !== "--label")
if (unknown.length > 0) {
  console.error(`bench: unknown section ${unknown.join(", ")} (sections: ${SECTIONS.join(", ")})`)
  process.exit(2)
}
const sections = new Set<Section>(named.length === 0 ? SECTIONS : named)
const quick = flag("--quick")
const label = value("--label", "after")
const write = quick || named.length > 0 ? flag("--write") : !flag("--no-write")
// A run is one label's whole record: writing a few sections over a label that holds others would drop theirs.
const recorded = Path.join(ROOT, "bench/results", `${label}.json`)
if (write && named.length > 0 && Fs.existsSync(recorded)) {
  const lost = sectionsOf(JSON.parse(Fs.readFileSync(recorded, "utf8")) as BenchRun).filter((section) => !sections.has(section))
  if (lost.length > 0) {
    console.error(`bench: --write would replace the "${label}" run, and with it its ${lost.join(", ")} rows: run them too, or write under another --label`)
    process.exit(2)
  }
}
// At least 3 alternating rounds a row: each server keeps its median round.
const timing = quick ? { durationS: 2, warmupS: 0.5, rounds: 1 } : { durationS: 5, warmupS: 1, rounds: 3 }
const idleMs = quick ? 1000 : 3000
const ROWS: ReadonlyArray<[Mode, number]> = [["oneshot", 1], ["oneshot", 16], ["oneshot", 128], ["persistent", 16], ["persistent", 128], ["udp", 16]]
const log = (text: string) => console.error(`bench: ${text}`)

const tempDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-bench-"))
// Ctrl-C: stop what the bench started and drop its database, then exit.
let closeDatabase: (() => Promise<void>) | undefined
process.once("SIGINT", () => {
  killAll()
  void (closeDatabase?.() ?? Promise.resolve()).finally(() => process.exit(130))
})

const main = async () => {
  log("npm run build")
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] })
  buildLoadgen()
  const database = await openDatabase(tempDir, flag("--embedded"))
  log(`database: ${database.description}`)
  closeDatabase = () => database.close()
  try {
    const loadAverage = Os.loadavg()
    const rows: Array<RowResult> = []
    let redis: BenchRun["redis"] = { skipped: "not run (section redis not selected)" }
    let reply = "User: bench, Points: 0"
    if (sections.has("socket") || sections.has("redis") || sections.has("startup")) {
      const tcpDb = await database.connect()
      const udpDb = await database.connect()
      const tcp = startScoreline("server tcp", "server", serverEnv("bench_tcp", "tcp", tcpDb.env))
      const udp = startScoreline("server udp", "server", serverEnv("bench_udp", "udp", udpDb.env))
      const [tcpPort] = (await listeningPorts(tcp)).ports
      const [udpPort] = (await listeningPorts(udp)).ports
      reply = (await tcpAsk(tcpPort!, "REQUEST_LATEST_POINTS\n")).trimEnd()
      log(`scoreline answers: ${reply}`)
      const bare = start("baseline", process.execPath, ["bench/baseline.mjs", reply])
      await bare.waitFor(/"tcp":\d+/)
      const barePorts = JSON.parse(bare.output().trim().split("\n")[0]!) as { tcp: number; udp: number }
      const tcpTarget = { pid: tcp.child.pid!, port: tcpPort!, statements: tcpDb.statements }
      if (sections.has("socket")) {
        for (const [mode, concurrency] of ROWS) {
          log(`row ${mode} c=${concurrency}`)
          const ours = mode === "udp" ? { pid: udp.child.pid!, port: udpPort!, statements: udpDb.statements } : tcpTarget
          const theirs = { pid: bare.child.pid!, port: mode === "udp" ? barePorts.udp : barePorts.tcp }
          rows.push(await row(ours, theirs, mode, concurrency, timing))
        }
      }
      if (sections.has("redis")) {
        const server = await startRedis()
        if ("skipped" in server) redis = server
        else {
          try {
            redis = await redisRows(tcpTarget, server.target, timing, log)
          } finally {
            await server.proc.stop()
          }
        }
      }
      for (const proc of [tcp, udp, bare]) await proc.stop()
    }

    const rest = sections.has("rest") ? await restRows(database, timing, log) : { skipped: "not run (section rest not selected)" }
    let startupResults: Array<StartupResult> = []
    if (sections.has("startup")) {
      log("start-up and idle memory")
      startupResults = await startup(database, quick ? 1 : 5, idleMs, reply)
    }
    const stacks = []
    if (sections.has("class")) {
      for (const users of quick ? [1, 5, 100] : [1, 5, 100, 1000]) {
        log(`a class of ${users} in one stack`)
        stacks.push(await classStack(database, users, tempDir, idleMs))
      }
    }

    let events: BenchRun["events"] = { skipped: "not run (section events not selected)" }
    if (sections.has("events")) {
      const users = 100
      log(`events: a stack of ${users} users publishing to RabbitMQ`)
      const away = await brokerAway()
      // No broker on this machine: the row says so, the rest of the run stands.
      events = away === undefined ? await eventsRows(database, tempDir, users, quick ? 5 : 20, log) : { skipped: away }
      if (away !== undefined) log(`events: ${away}`)
    }

    const run: BenchRun = {
      label,
      date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      node: process.version,
      cores: Os.cpus().length,
      cpu: Os.cpus()[0]?.model.trim() ?? "unknown CPU",
      loadAverage,
      database: database.description,
      quick,
      timing,
      rows,
      rest,
      redis,
      startup: startupResults,
      stacks,
      events
    }
    console.log(runSection(run))
    if (write) writeDocs(run)
  } finally {
    await database.close()
  }
}

const writeDocs = (run: BenchRun) => {
  const resultsDir = Path.join(ROOT, "bench/results")
  Fs.mkdirSync(resultsDir, { recursive: true })
  Fs.writeFileSync(Path.join(resultsDir, `${run.label}.json`), JSON.stringify(run, null, 2) + "\n")
  const order = (name: string) => (name === "before" ? 0 : name === "after" ? 1 : 2)
  const runs = Fs.readdirSync(resultsDir)
    .filter((file) => file.endsWith(".json"))
    .map((file) => JSON.parse(Fs.readFileSync(Path.join(resultsDir, file), "utf8")) as BenchRun)
    .sort((a, b) => order(a.label) - order(b.label) || a.label.localeCompare(b.label))
  const docFile = Path.join(ROOT, "docs/BENCHMARKS.md")
  let doc = Fs.existsSync(docFile) ? Fs.readFileSync(docFile, "utf8") : "# Benchmarks\n"
  const heading = "## Where the time goes"
  doc = replaceBlock(doc, "summary", summarySection(runs), heading)
  for (const r of runs) doc = replaceBlock(doc, `run:${r.label}`, runSection(r), heading)
  Fs.writeFileSync(docFile, doc)
  log(`wrote bench/results/${run.label}.json and docs/BENCHMARKS.md`)
}

main().then(
  () => Fs.rmSync(tempDir, { recursive: true, force: true }),
  (error) => {
    killAll()
    Fs.rmSync(tempDir, { recursive: true, force: true })
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`)
    process.exitCode = 1
  }
)
