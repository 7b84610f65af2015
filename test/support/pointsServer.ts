import { Effect, Exit, Layer, Logger, LogLevel, Scope } from "effect"
import { Db } from "../../src/layers/Db.js"
import { Metrics, type MetricsShape } from "../../src/layers/Metrics.js"
import { Ticker } from "../../src/layers/Ticker.js"
import { Transport } from "../../src/layers/Transport.js"
import { bindPointsServer, runPointsServers, type PointsServerOptions } from "../../src/servers/PointsServer.js"

/**
 * A points server in this process on real loopback sockets, with the socket limits a test chooses, the
 * in-memory database and metrics a test can read. `stop` interrupts its fibers and closes its scope, as
 * SIGTERM does.
 */
export const startLimitedServer = async (
  options: Partial<PointsServerOptions> & { readonly db?: Layer.Layer<Db, unknown> } = {}
) => {
  const scope = Effect.runSync(Scope.make())
  const program = Effect.gen(function*() {
    const context = yield* Layer.buildWithScope(
      Layer.mergeAll(options.db ?? Db.layerMemory(), Ticker.layer("1 hour"), Transport.layer, Metrics.layerMemory),
      scope
    )
    const server = yield* bindPointsServer({
      user: "hostile",
      transport: "tcp",
      host: "127.0.0.1",
      port: 0,
      idleTimeout: "30 seconds",
      refreshInterval: "1 hour",
      ...options
    }).pipe(Effect.provide(context), Scope.extend(scope))
    const fiber = yield* Effect.forkIn(Effect.provide(runPointsServers([server], { refreshInterval: options.refreshInterval ?? "1 hour" }), context), scope)
    return { port: server.address.port, fiber, metrics: Effect.runSync(Effect.provide(Metrics, context)) as MetricsShape }
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
  const { port, fiber, metrics } = await Effect.runPromise(program)
  return {
    port,
    metrics,
    /** The value of a metric with these labels, from the exposition text. */
    metric: async (name: string, labels: string) => {
      const text = (await Effect.runPromise(metrics.exposition)).body
      const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels))
      return line === undefined ? 0 : Number(line.split(" ").pop())
    },
    /** Closing the scope interrupts the server's fibers first (the drain), then releases socket and layers. */
    stop: () => Effect.runPromise(Scope.close(scope, Exit.void)),
    fiber
  }
}
