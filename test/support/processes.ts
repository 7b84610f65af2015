import { type ChildProcess, spawn } from "node:child_process"
import * as Dgram from "node:dgram"
import * as Net from "node:net"
import { performance } from "node:perf_hooks"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { withoutSettings } from "./cleanEnv.js"

export const ROOT = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")

/**
 * A port free now that no other test is handed: ports a kernel gives out for port 0 (the ephemeral range) would
 * be free again the moment this returned, for any parallel test to be given too (two tests once got 38003).
 * So each vitest worker takes its own slice of OWN_PORTS, below the ephemeral range, in turn, skipping a port
 * something still holds.
 */
export const freePort = async (): Promise<number> => {
  const worker = Math.max(0, Number(process.env.VITEST_POOL_ID ?? 1) - 1) % OWN_SLICES
  const from = OWN_PORTS.from + worker * OWN_SLICE
  for (let tried = 0; tried < OWN_SLICE; tried++) {
    const port = from + (nextOwn++ % OWN_SLICE)
    if ((await canBind("tcp", port)) && (await canBind("udp", port))) return port
  }
  throw new Error(`no free port in ${from}-${from + OWN_SLICE - 1}`)
}
const OWN_PORTS = { from: 20_000, to: 26_000 } as const
const OWN_SLICE = 500
const OWN_SLICES = (OWN_PORTS.to - OWN_PORTS.from) / OWN_SLICE
let nextOwn = 0

export interface Running {
  readonly child: ChildProcess
  /** Everything written so far. */
  stdout(): string
  stderr(): string
  /** Resolves when stdout+stderr contain `text` (rejects after `ms`). */
  waitFor(text: string | RegExp, ms?: number): Promise<void>
  /** Resolves with the exit code (or signal name) once the process has exited and its output is read. */
  exited: Promise<number | string>
  kill(signal?: NodeJS.Signals): void
}

/**
 * How a test runs program `name`: the production bundle, `node dist/<name>.mjs`, as the image runs it (the
 * global setup, test/support/buildOnce.ts, builds it once per run). One process, so signals reach the
 * program itself.
 */
export const programCommand = (name: string, args: ReadonlyArray<string> = []): [string, Array<string>] =>
  [process.execPath, [Path.join(ROOT, "dist", `${name}.mjs`), ...args]]

/** The same program from its sources under tsx (`node --import tsx`), as a developer runs it. */
export const sourceCommand = (name: string, args: ReadonlyArray<string> = []): [string, Array<string>] =>
  [process.execPath, ["--import", "tsx", Path.join(ROOT, "src/programs", `${name}.ts`), ...args]]

export const startProgram = (
  name: string,
  args: ReadonlyArray<string> = [],
  env: Record<string, string> = {}
): Running => startCommand(...programCommand(name, args), env)

/** `as`: the user and group to run as (a test running as root runs nginx unprivileged). */
export const startCommand = (
  command: string,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  as: { readonly uid: number; readonly gid: number } | undefined = undefined
): Running => {
  const child = spawn(command, args, {
    cwd: ROOT,
    // Only the settings the test gives: none a developer or CI exported leaks in (DB_HOST, ROSTER, TZ…).
    env: { ...withoutSettings(process.env), LOG_LEVEL: "info", ...env },
    stdio: ["pipe", "pipe", "pipe"],
    ...as
  })
  let out = ""
  let err = ""
  const waiters = new Set<() => void>()
  const notify = () => waiters.forEach((check) => check())
  child.stdout!.on("data", (chunk) => {
    out += chunk
    notify()
  })
  child.stderr!.on("data", (chunk) => {
    err += chunk
    notify()
  })
  // "close", not "exit": only then has all of the child's output been read.
  const exited = new Promise<number | string>((resolve) =>
    child.once("close", (code, signal) => {
      notify()
      resolve(code ?? signal ?? "unknown")
    })
  )
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal = "SIGTERM") => void child.kill(signal),
    waitFor: (text, ms = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const matches = () => (typeof text === "string" ? (out + err).includes(text) : text.test(out + err))
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out waiting for ${String(text)}\n--- stdout\n${out}\n--- stderr\n${err}`))
        }, ms)
        const check = () => {
          if (matches()) {
            clearTimeout(timer)
            waiters.delete(check)
            resolve()
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer)
            waiters.delete(check)
            reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${String(text)}\n--- stdout\n${out}\n--- stderr\n${err}`))
          }
        }
        waiters.add(check)
        check()
      })
  }
}

/** Runs a command to completion and returns its output and exit code. */
export const runCommand = async (
  command: string,
  args: ReadonlyArray<string>,
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}
): Promise<{ code: number | string; stdout: string; stderr: string }> => {
  const running = startCommand(command, args, options.env ?? {})
  if (options.input !== undefined) running.child.stdin!.end(options.input)
  else running.child.stdin!.end()
  const timer = setTimeout(() => running.kill("SIGKILL"), options.timeoutMs ?? 20_000)
  const code = await running.exited
  clearTimeout(timer)
  return { code, stdout: running.stdout(), stderr: running.stderr() }
}

/** Whether `port` on 127.0.0.1 can be bound right now: a stopped server must have freed it. */
export const canBind = (transport: "tcp" | "udp", port: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (transport === "tcp") {
      const probe = Net.createServer().once("error", () => resolve(false))
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)))
    } else {
      const probe = Dgram.createSocket("udp4").once("error", () => resolve(false))
      probe.bind(port, "127.0.0.1", () => probe.close(() => resolve(true)))
    }
  })

/** Below Linux's ephemeral range (32768-60999), where no outgoing connection's port can take a listener's; above freePort's. */
const FIXED_PORTS = { from: 26_000, to: 32_000 } as const

/**
 * `count` distinct ports that TCP and UDP can bind on loopback now, for a roster of many servers. `freePort`
 * hands out ephemeral ports, which any outgoing connection may take before the program binds them; these
 * come from below that range, starting at a random place so parallel test files rarely meet.
 */
export const freeFixedPorts = async (count: number): Promise<Array<number>> => {
  const span = FIXED_PORTS.to - FIXED_PORTS.from
  const start = Math.floor(Math.random() * span)
  const ports: Array<number> = []
  for (let i = 0; i < span && ports.length < count; i++) {
    const port = FIXED_PORTS.from + ((start + i) % span)
    if ((await canBind("tcp", port)) && (await canBind("udp", port))) ports.push(port)
  }
  if (ports.length < count) throw new Error(`only ${ports.length} of ${count} ports free in ${FIXED_PORTS.from}-${FIXED_PORTS.to}`)
  return ports
}

/**
 * A port nothing listens on, for a test of "nothing answers": from the fixed range, below the kernel's ephemeral
 * range, so no program of a parallel test binding port 0 can be given it between the check and the connect.
 */
export const unusedPort = async (): Promise<number> => (await freeFixedPorts(1))[0]!

/** Sends `signal` and waits for the program to exit: its exit code, and how long it took after the signal. */
export const stopWith = async (program: Running, signal: NodeJS.Signals = "SIGTERM") => {
  const signalled = performance.now()
  program.kill(signal)
  const code = await program.exited
  return { code, elapsedMs: performance.now() - signalled }
}
