import { Context, Effect, Exit, Layer, Logger, LogLevel, Redacted, Scope } from "effect"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import { bindDashboard } from "../../src/dashboard/Dashboard.js"
import { Db } from "../../src/layers/Db.js"
import { Metrics } from "../../src/layers/Metrics.js"
import { Transport } from "../../src/layers/Transport.js"
import type { RosterEntry } from "../../src/schema/Roster.js"
import { UTC } from "../programs/harness.js"

export interface RunningDashboard {
  readonly url: string
  readonly port: number
  /** Runs an effect against the dashboard's own Db and Metrics (the same instances it uses). */
  run<A, E>(effect: Effect.Effect<A, E, Db | Metrics>): Promise<A>
  /** Requests the fast path (FastReads) answered so far. */
  fastReadsServed(): number
  stop(): Promise<void>
}

/** A dashboard in this process on 127.0.0.1:0, over `db`, until `stop`. */
export const startDashboard = async (options: {
  readonly db: Layer.Layer<Db, unknown>
  readonly roster?: ReadonlyArray<RosterEntry>
  readonly adminToken?: string
  readonly refreshSeconds?: number
  readonly probeSeconds?: number
}): Promise<RunningDashboard> => {
  const scope = Effect.runSync(Scope.make())
  const program = Effect.gen(function*() {
    const context = yield* Layer.buildWithScope(Layer.mergeAll(options.db, Metrics.layer, Transport.layer), scope)
    const dashboard = yield* bindDashboard({
      host: "127.0.0.1",
      port: 0,
      adminToken: Redacted.make(options.adminToken ?? ""),
      roster: options.roster ?? [],
      probeHost: "127.0.0.1",
      refreshInterval: `${(options.refreshSeconds ?? 0.2) * 1000} millis`,
      probeInterval: `${(options.probeSeconds ?? 0.5) * 1000} millis`,
      timeZone: UTC
    }).pipe(Effect.provide(context), Scope.extend(scope))
    yield* Effect.forkIn(Effect.provide(dashboard.run, context), scope)
    return { port: dashboard.address.port, context, fastReadsServed: dashboard.fastReadsServed }
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
  const stop = () => Effect.runPromise(Scope.close(scope, Exit.void))
  try {
    const { context, fastReadsServed, port } = await Effect.runPromise(program)
    const services = Context.pick(Db, Metrics)(context)
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      run: (effect) => Effect.runPromise(Effect.provide(effect, services)),
      fastReadsServed,
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Waits until `check` returns something other than undefined (polling), failing after `ms`. */
export const eventually = async <A>(check: () => Promise<A | undefined>, ms = 20_000, what = "condition"): Promise<A> => {
  const deadline = Date.now() + ms
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? "" : `: ${String(last)}`}`)
}

export const getJson = async (url: string, init?: RequestInit) => {
  const response = await fetch(url, init)
  return { status: response.status, headers: response.headers, body: (await response.json()) as any }
}

/**
 * A tool the tests need from Debian (`chromium`, `promtool`): present, or a skip with a message on a
 * developer's machine, or a failure in CI (`CI=true`), where these tests are part of what CI proves.
 */
export const requireTool = (path: string, what: string): boolean => {
  if (Fs.existsSync(path)) return true
  const message = `${what} not found at ${path} (Debian package: ${what === "promtool" ? "prometheus" : "chromium"})`
  if (process.env.CI === "true") throw new Error(`CI=true but ${message}`)
  console.warn(`skipping the ${what} tests: ${message}; in CI this is a failure.`)
  return false
}

/** `promtool check metrics` on an exposition: its complaints, or "" when it has none. */
export const promtoolComplaints = (exposition: string): string => {
  try {
    execFileSync("/usr/bin/promtool", ["check", "metrics"], { input: exposition, stdio: ["pipe", "pipe", "pipe"] })
    return ""
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer }
    return `${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`.trim() || String(error)
  }
}

/** An open SSE stream: the events so far, and a way to close it. */
export const openStream = (url: string) => {
  const events: Array<{ id: number; data: any }> = []
  let buffer = ""
  const request = Http.get(url)
  const opened = new Promise<Http.IncomingMessage>((resolve, reject) => {
    request.on("response", (response) => {
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        buffer += chunk
        let end: number
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const id = /^id: (\d+)$/m.exec(frame)?.[1]
          const data = /^data: (.*)$/m.exec(frame)?.[1]
          if (id !== undefined && data !== undefined) events.push({ id: Number(id), data: JSON.parse(data) })
        }
      })
      resolve(response)
    })
    request.on("error", reject)
  })
  return { events, opened, close: () => request.destroy() }
}
