// The load generators: bench/loadgen.c (TCP one-shot, TCP persistent, UDP), compiled with `cc -O2` into
// bench/.build/ (git-ignored) when its source is newer, and wrk for HTTP rows. Each runs as its own process.
import { execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { ROOT } from "./procs.js"

export type Mode = "oneshot" | "persistent" | "udp" | "http"

export interface LoadResult {
  readonly rps: number
  readonly p50_ms: number
  readonly p99_ms: number
  readonly p999_ms: number
  readonly errors: number
  readonly timeouts: number
  readonly error_kinds?: Record<string, number>
  /** The generator's own CPU over the run, 1.0 = one core busy. */
  readonly cpu_share: number
}

const SOURCE = Path.join(ROOT, "bench/loadgen.c")
const BINARY = Path.join(ROOT, "bench/.build/loadgen")

export const buildLoadgen = (): string => {
  const fresh = Fs.existsSync(BINARY) && Fs.statSync(BINARY).mtimeMs >= Fs.statSync(SOURCE).mtimeMs
  if (!fresh) {
    Fs.mkdirSync(Path.dirname(BINARY), { recursive: true })
    execFileSync("cc", ["-O2", "-pthread", "-Wall", "-o", BINARY, SOURCE], { stdio: "inherit" })
  }
  return BINARY
}

const run = (command: string, args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk) => (out += chunk))
    child.stderr.on("data", (chunk) => (err += chunk))
    child.once("error", reject)
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err}`))))
  })

export interface LoadOptions {
  readonly mode: Mode
  readonly ports: ReadonlyArray<number>
  readonly concurrency: number
  readonly durationS: number
  readonly warmupS: number
  /** For HTTP: the path to ask for. */
  readonly path?: string
  /** For the C generator: the bytes a request sends, and what a reply must start with (Redis: `INCRBY k 0`, ":"). */
  readonly request?: string
  readonly expect?: string
}

export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  if (options.mode === "http") return runWrk(options)
  const out = await run(buildLoadgen(), [
    "--mode", options.mode,
    "--port", options.ports.join(","),
    "--concurrency", String(options.concurrency),
    "--duration", String(options.durationS),
    "--warmup", String(options.warmupS),
    ...(options.request === undefined ? [] : ["--request", options.request]),
    ...(options.expect === undefined ? [] : ["--expect", options.expect])
  ])
  return JSON.parse(out) as LoadResult
}

export const hasWrk = (): boolean => {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" })
    return true
  } catch (error) {
    // wrk --version prints its banner and exits 1; only a missing binary is "absent".
    return (error as { code?: string }).code !== "ENOENT"
  }
}

// wrk's own summary has no p99.9 and no JSON: a done() hook prints what the bench needs.
const WRK_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"duration_us":%d,"p50_us":%f,"p99_us":%f,"p999_us":%f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    e.connect, e.read, e.write, e.status, e.timeout))
end
`

/** wrk (one thread) through bash, whose `times` reports the CPU wrk used. */
const runWrk = async (options: LoadOptions): Promise<LoadResult> => {
  const script = Path.join(ROOT, "bench/.build/report.lua")
  Fs.mkdirSync(Path.dirname(script), { recursive: true })
  Fs.writeFileSync(script, WRK_SCRIPT)
  const url = `http://127.0.0.1:${options.ports[0]}${options.path ?? "/"}`
  const wrk = (seconds: number) =>
    `wrk -t1 -c${options.concurrency} -d${Math.max(1, Math.round(seconds))}s --timeout 2s -s ${script} ${url}`
  const out = await run("bash", ["-c", `${wrk(options.warmupS)} >/dev/null; ${wrk(options.durationS)}; times`])
  const line = /BENCH (\{.*\})/.exec(out)
  if (line === null) throw new Error(`wrk printed no result:\n${out}`)
  const r = JSON.parse(line[1]!) as Record<string, number>
  // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.567s" (user, system).
  const seconds = (text: string) => Number(/(\d+)m([\d.]+)s/.exec(text)![1]) * 60 + Number(/(\d+)m([\d.]+)s/.exec(text)![2])
  const children = out.trim().split("\n").at(-1)!.trim().split(/\s+/)
  const cpu = seconds(children[0]!) + seconds(children[1]!)
  const duration = r.duration_us! / 1e6
  return {
    rps: r.requests! / duration,
    p50_ms: r.p50_us! / 1000,
    p99_ms: r.p99_us! / 1000,
    p999_ms: r.p999_us! / 1000,
    errors: r.connect! + r.read! + r.write! + r.status!,
    timeouts: r.timeout!,
    error_kinds: { connect: r.connect!, read: r.read!, write: r.write!, status: r.status! },
    // Both wrk runs (warm-up and measured) are in `times`; the warm-up share is spread over the whole time.
    cpu_share: cpu / (duration + Math.max(1, Math.round(options.warmupS)))
  }
}
