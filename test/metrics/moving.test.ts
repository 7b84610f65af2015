import { Effect, Layer, Logger, LogLevel, TestClock } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { it as effectIt } from "@effect/vitest"
import { Db } from "../../src/layers/Db.js"
import { DbError } from "../../src/layers/DbError.js"
import { DB_OPERATIONS, Metrics } from "../../src/layers/Metrics.js"
import { bindMetricsServer } from "../../src/servers/MetricsServer.js"
import { pruneLedger } from "../../src/servers/PointsUpdates.js"
import { startDashboard, type RunningDashboard } from "../dashboard/support.js"
import { eventually, listeningPort, TcpPeer, tcpExchange, udpExchange, uniqueUser, usePrograms } from "../programs/harness.js"
import { describeMariaDb, useTestDatabase } from "../support/mariadb.js"
import { useMariaDbProxy } from "../support/proxy.js"
import type { Running } from "../support/processes.js"

/**
 * Every `scoreline_*` series seen moving on a real /metrics endpoint: one row per series and label set, saying
 * where it is exported, what makes it move and which way. A series renamed, or one that stops moving, fails
 * its row; a series an endpoint exports that has no row fails "every series has a row". Adding a series is
 * adding a row.
 */

/** One sample of a series in Prometheus text: its value, or undefined when the endpoint does not export it. */
const sample = (text: string, series: string, labels: Record<string, string>): number | undefined => {
  for (const line of text.split("\n")) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== series) continue
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3])
  }
  return undefined
}

const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text()

/** What a row can use: the running programs and the endpoints that export their metrics. */
interface Context {
  readonly user: string
  readonly tcpPort: number
  readonly udpPort: number
  /** The tcp server's own /metrics (METRICS_PORT), the udp server's, and the dashboard's. */
  readonly endpoints: { readonly tcp: string; readonly udp: string; readonly dashboard: string }
  readonly cutDatabase: () => Promise<void>
  readonly restoreDatabase: () => Promise<void>
  readonly dashboard: RunningDashboard
  readonly udpServer: Running
  /** Pauses or resumes the tcp server's user in the database (what the dashboard's control does). */
  readonly setPaused: (paused: boolean) => Promise<void>
}

interface Row {
  readonly series: string
  readonly labels: Record<string, string>
  readonly endpoint: keyof Context["endpoints"]
  /** Makes the series move; what it returns undoes it (a gauge that must come back down). */
  readonly move: (context: Context) => Promise<(() => Promise<void>) | void>
  readonly change: "increases" | "rises, then falls back" | "falls, then rises back"
}

const ROWS: ReadonlyArray<Row> = [
  {
    series: "scoreline_points_added_total",
    labels: {},
    endpoint: "tcp",
    move: () => new Promise((resolve) => setTimeout(resolve, 1_500)), // an interval passes (UPDATE_INTERVAL=1)
    change: "increases"
  },
  {
    series: "scoreline_socket_requests_total",
    labels: { transport: "tcp", outcome: "ok" },
    endpoint: "tcp",
    move: async ({ tcpPort }) => void (await tcpExchange(tcpPort, "REQUEST_LATEST_POINTS\n")),
    change: "increases"
  },
  {
    series: "scoreline_socket_requests_total",
    labels: { transport: "tcp", outcome: "refused" },
    endpoint: "tcp",
    move: async ({ tcpPort }) => void (await tcpExchange(tcpPort, "NONSENSE\nquit\n")),
    change: "increases"
  },
  {
    series: "scoreline_socket_request_duration_seconds_count",
    labels: { transport: "tcp" },
    endpoint: "tcp",
    move: async ({ tcpPort }) => void (await tcpExchange(tcpPort, "REQUEST_LATEST_POINTS\n")),
    change: "increases"
  },
  {
    series: "scoreline_socket_requests_total",
    labels: { transport: "udp", outcome: "ok" },
    endpoint: "udp",
    move: async ({ udpPort }) => void (await udpExchange(udpPort, "REQUEST_LATEST_POINTS")),
    change: "increases"
  },
  {
    series: "scoreline_socket_request_duration_seconds_count",
    labels: { transport: "udp" },
    endpoint: "udp",
    move: async ({ udpPort }) => void (await udpExchange(udpPort, "REQUEST_LATEST_POINTS")),
    change: "increases"
  },
  {
    series: "scoreline_open_connections",
    labels: { transport: "tcp" },
    endpoint: "tcp",
    move: async ({ tcpPort }) => {
      const peer = await TcpPeer.connect(tcpPort)
      await new Promise((resolve) => setTimeout(resolve, 200))
      return async () => {
        peer.destroy()
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    },
    change: "rises, then falls back"
  },
  // A database cut: the tick and the refresh catch-up fail (prune's row is below: it runs once a minute).
  ...(["tick", "refresh"] as const).map((operation): Row => ({
    series: "scoreline_database_errors_total",
    labels: { operation },
    endpoint: "tcp",
    move: async ({ cutDatabase, restoreDatabase }) => {
      await cutDatabase()
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      await restoreDatabase()
    },
    change: "increases"
  })),
  {
    series: "scoreline_points_last_change_timestamp_seconds",
    labels: {},
    endpoint: "tcp",
    move: () => new Promise((resolve) => setTimeout(resolve, 1_500)), // an interval adds a point
    change: "increases"
  },
  {
    series: "scoreline_user_paused",
    labels: {},
    endpoint: "tcp",
    move: async ({ setPaused }) => {
      await setPaused(true)
      return () => setPaused(false)
    },
    change: "rises, then falls back"
  },
  {
    series: "scoreline_http_requests_total",
    labels: { method: "GET", code: "200" },
    endpoint: "dashboard",
    move: async ({ endpoints }) => void (await (await fetch(`${endpoints.dashboard}/api/users`)).text()),
    change: "increases"
  },
  {
    series: "scoreline_dashboard_database_reads_total",
    labels: {},
    endpoint: "dashboard",
    // No broker here: the watcher polls, one round a REFRESH_INTERVAL (test/events/dashboard.test.ts: none on events).
    move: () => new Promise((resolve) => setTimeout(resolve, 1_500)),
    change: "increases"
  },
  {
    series: "scoreline_dashboard_open_streams",
    labels: {},
    endpoint: "dashboard",
    move: async ({ endpoints }) => {
      const stream = new AbortController()
      const response = await fetch(`${endpoints.dashboard}/api/events`, { signal: stream.signal })
      const reader = response.body!.getReader()
      await reader.read() // the stream is open once its first event arrives
      return async () => {
        stream.abort()
        await reader.cancel().catch(() => {})
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
    },
    change: "rises, then falls back"
  },
  {
    series: "scoreline_user_points",
    labels: {},
    endpoint: "dashboard",
    move: () => new Promise((resolve) => setTimeout(resolve, 2_000)), // the user's row grows; the dashboard reads it
    change: "increases"
  },
  {
    series: "scoreline_server_up",
    labels: { transport: "udp" },
    endpoint: "dashboard",
    // The udp server stopped (SIGSTOP): the dashboard's probe gets no answer; continued, it answers again.
    move: async ({ udpServer }) => {
      udpServer.kill("SIGSTOP")
      return async () => udpServer.kill("SIGCONT")
    },
    change: "falls, then rises back"
  }
]

/** Series that are not in the rows above because another test moves them against a real endpoint. */
const MOVED_ELSEWHERE: Record<string, string> = {
  "scoreline_update_interval_seconds": "constant (UPDATE_INTERVAL); set at start: test/servers/PointsUpdates.test.ts",
  "scoreline_socket_request_duration_seconds_bucket": "the _count row above; buckets in test/layers/SocketRequestMetrics.test.ts",
  "scoreline_socket_request_duration_seconds_sum": "the _count row above; sums in test/layers/SocketRequestMetrics.test.ts"
}

describeMariaDb("every scoreline_* metric, seen moving on a real /metrics endpoint", () => {
  const db = useTestDatabase()
  const proxy = useMariaDbProxy()
  const start = usePrograms("afterAll")
  let context: Context

  beforeAll(async () => {
    const user = uniqueUser("moving")
    const udpUser = uniqueUser("movingudp")
    const common = { ...db.env(), SERVER_USER: user, SERVER_HOST: "127.0.0.1", SERVER_PORT: "0", METRICS_PORT: "0", UPDATE_INTERVAL: "1", REFRESH_INTERVAL: "0.25" }
    const tcpServer = start("server", { ...common, DB_PORT: String(proxy.port) })
    const udpServer = start("server", { ...common, TRANSPORT: "udp", SERVER_USER: udpUser })
    const [tcpPort, udpPort] = await Promise.all([listeningPort(tcpServer), listeningPort(udpServer)])
    const metricsPort = async (server: Running) => {
      await server.waitFor(/message="metrics listening".* port=\d+/, 20_000)
      return Number(/message="metrics listening".* port=(\d+)/.exec(server.stdout() + server.stderr())![1])
    }
    const dashboard = await startDashboard({
      db: db.layer(),
      roster: [
        { user, transport: "tcp", port: tcpPort, dialect: "REQUEST_LATEST_POINTS" },
        { user: udpUser, transport: "udp", port: udpPort, dialect: "REQUEST_LATEST_POINTS" }
      ]
    })
    context = {
      user,
      tcpPort,
      udpPort,
      endpoints: { tcp: `http://127.0.0.1:${await metricsPort(tcpServer)}`, udp: `http://127.0.0.1:${await metricsPort(udpServer)}`, dashboard: dashboard.url },
      cutDatabase: () => proxy.cut(),
      restoreDatabase: () => proxy.restore(),
      dashboard,
      udpServer,
      setPaused: async (paused) =>
        void (await db.query("REPLACE INTO user_control (user, paused, updated_at) VALUES (?, ?, NOW())", [user, paused ? 1 : 0]))
    }
  }, 60_000)
  afterAll(() => context?.dashboard.stop())

  it("exports every label set an alert or a panel uses before its first event (at 0)", async () => {
    const text = await scrape(context.endpoints.tcp)
    for (const operation of DB_OPERATIONS) expect(sample(text, "scoreline_database_errors_total", { operation }), operation).toBe(0)
    for (const outcome of ["ok", "refused", "error"]) {
      expect(sample(text, "scoreline_socket_requests_total", { transport: "tcp", outcome }), outcome).toBeDefined()
    }
    expect(sample(text, "scoreline_open_connections", { transport: "tcp" })).toBeDefined()
    expect(sample(text, "scoreline_points_added_total", { user: context.user })).toBeDefined()
  })

  it.each(ROWS.map((row) => [`${row.series}${JSON.stringify(row.labels)} ${row.change}`, row] as const))("%s", async (_, row) => {
    const url = context.endpoints[row.endpoint]
    const read = async () => sample(await scrape(url), row.series, row.labels)
    // A probe's gauge starts at 0 until the first probe: wait for where the row starts from.
    const falls = row.change === "falls, then rises back"
    const before = await eventually(`${row.series} exported`, async () => {
      const now = await read()
      return now === undefined || (falls && now === 0) ? undefined : now
    }, 20_000)
    const undo = await row.move(context)
    const moved = await eventually(`${row.series} to move from ${before}`, async () => {
      const now = await read()
      return now !== undefined && (falls ? now < before : now > before) ? now : undefined
    }, 20_000).catch(() => undefined)
    expect(moved, `${row.series}${JSON.stringify(row.labels)} did not move from ${before}`).toBeDefined()
    if (row.change !== "increases") {
      await undo?.()
      await eventually(`${row.series} back to ${before}`, async () => ((await read()) === before ? true : undefined), 20_000)
    }
  }, 60_000)

  it("has a row for every scoreline_* series the endpoints export", async () => {
    const exported = new Set<string>()
    for (const url of Object.values(context.endpoints)) {
      for (const match of (await scrape(url)).matchAll(/^(scoreline_[a-z_]+)[{ ]/gm)) exported.add(match[1]!)
    }
    const covered = new Set([...ROWS.map((row) => row.series), ...Object.keys(MOVED_ELSEWHERE)])
    for (const series of exported) expect(covered, `${series} is exported but no row makes it move`).toContain(series)
    expect(exported.size).toBeGreaterThan(5)
  })
})

// The prune runs once a minute (PRUNE_EVERY): a failing one is seen on a real endpoint with the clock moved on.
effectIt.scoped("scoreline_database_errors_total{operation=\"prune\"} increases when a prune fails", () =>
  Effect.gen(function*() {
    const { port } = yield* bindMetricsServer({ host: "127.0.0.1", port: 0 })
    const read = Effect.promise(() => scrape(`http://127.0.0.1:${port}`)).pipe(
      Effect.map((text) => sample(text, "scoreline_database_errors_total", { operation: "prune" }))
    )
    expect(yield* read).toBe(0)
    yield* Effect.fork(pruneLedger({ retention: "1 day", limit: 100 }))
    yield* TestClock.adjust("61 seconds")
    expect(yield* read).toBe(1)
  }).pipe(
    Effect.provide(Layer.mergeAll(
      Layer.effect(Db, Effect.map(Db, (db) => ({ ...db, pruneHistory: () => Effect.fail(new DbError({ reason: "Connect", cause: new Error("cut") })) }))).pipe(
        Layer.provide(Db.layerMemory())
      ),
      Metrics.layerMemory
    )),
    Logger.withMinimumLogLevel(LogLevel.None)
  ))
