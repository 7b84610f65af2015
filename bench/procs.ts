// Processes the bench starts, and what it reads about them from /proc: CPU time, RSS of a process tree.
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"

export const ROOT = Path.resolve(import.meta.dirname, "..")
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100

export interface Proc {
  readonly name: string
  readonly child: ChildProcess
  readonly startedAt: number
  output(): string
  /** Resolves with the time (ms after spawn) at which the output first matched, or rejects on exit/timeout. */
  waitFor(pattern: RegExp | ((output: string) => boolean), ms?: number): Promise<number>
  /** SIGTERM, then the exit code (or signal) and how long the exit took. SIGKILL after `ms`. */
  stop(ms?: number): Promise<{ code: number | string; stopMs: number }>
  readonly exited: Promise<number | string>
}

const live = new Set<Proc>()

/** Kills whatever the bench left running (used on failure and Ctrl-C). */
export const killAll = () => {
  for (const proc of live) proc.child.kill("SIGKILL")
}

export const start = (name: string, command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}): Proc => {
  const startedAt = performance.now()
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let out = ""
  const waiters = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    // Keep the start of the output (where the listening lines are) and the tail, not hours of logs.
    out = out.length > 1_000_000 ? out.slice(0, 200_000) + out.slice(-200_000) : out + chunk.toString()
    waiters.forEach((check) => check())
  }
  child.stdout!.on("data", onData)
  child.stderr!.on("data", onData)
  const exited = new Promise<number | string>((resolve) =>
    child.once("close", (code, signal) => {
      live.delete(proc)
      waiters.forEach((check) => check())
      resolve(code ?? signal ?? "unknown")
    })
  )
  const proc: Proc = {
    name,
    child,
    startedAt,
    exited,
    output: () => out,
    waitFor: (pattern, ms = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`${name}: no ${pattern} within ${ms} ms\n${out.slice(-2000)}`))
        }, ms)
        const check = () => {
          if (typeof pattern === "function" ? pattern(out) : pattern.test(out)) {
            clearTimeout(timer)
            waiters.delete(check)
            resolve(performance.now() - startedAt)
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer)
            waiters.delete(check)
            reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ${pattern}\n${out.slice(-2000)}`))
          }
        }
        waiters.add(check)
        check()
      }),
    stop: async (ms = 10_000) => {
      const signalled = performance.now()
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), ms)
      const code = await exited
      clearTimeout(timer)
      return { code, stopMs: performance.now() - signalled }
    }
  }
  live.add(proc)
  return proc
}

const readStat = (pid: number): Array<string> | undefined => {
  try {
    const text = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    return text.slice(text.lastIndexOf(")") + 2).split(" ")
  } catch {
    return undefined
  }
}

/** User + system CPU seconds a process has used so far. */
export const cpuSeconds = (pid: number): number => {
  const fields = readStat(pid)
  return fields === undefined ? 0 : (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

/** The pid and all its descendants (tsx runs the program in a child process). */
const tree = (pid: number): Array<number> => {
  const parents = new Map<number, Array<number>>()
  for (const entry of Fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    const fields = readStat(Number(entry))
    if (fields === undefined) continue
    const parent = Number(fields[1])
    parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)])
  }
  const all = [pid]
  for (let i = 0; i < all.length; i++) all.push(...(parents.get(all[i]!) ?? []))
  return all
}

/** Resident memory of a process and its descendants, in MB. */
export const rssMb = (pid: number): number =>
  tree(pid).reduce((sum, p) => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(Fs.readFileSync(`/proc/${p}/status`, "utf8"))
      return sum + (match ? Number(match[1]) / 1024 : 0)
    } catch {
      return sum
    }
  }, 0)

/** A port that was free a moment ago. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer().once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Connects, sends `request`, returns what came back before the server closed. */
export const tcpAsk = (port: number, request: string): Promise<string> =>
  new Promise((resolve, reject) => {
    let reply = ""
    const socket = Net.createConnection({ host: "127.0.0.1", port }, () => socket.write(request))
    socket.on("data", (chunk) => (reply += chunk.toString()))
    socket.once("error", reject)
    socket.once("close", () => resolve(reply))
  })
