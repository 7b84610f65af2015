import * as Command from "@effect/cli/Command"
import { Effect, Layer, Option } from "effect"
import { optionalBroker } from "../layers/Broker.js"
import { Db } from "../layers/Db.js"
import { Metrics } from "../layers/Metrics.js"
import { servePoints } from "../servers/PointsServer.js"
import { runProgram } from "../cli/Program.js"
import { PROGRAMS } from "../settings/Programs.js"
import { DbSettings } from "../settings/DbSettings.js"
import { Ticker } from "../layers/Ticker.js"
import { Transport } from "../layers/Transport.js"
import { serverTls } from "../settings/PointsSettings.js"
import { BrokerSettings } from "../settings/BrokerSettings.js"
import { runEvents, servingThenDraining, withOutbox } from "../servers/EventOutbox.js"

// One points server: owns SERVER_USER's row, adds a point every UPDATE_INTERVAL, answers on TCP or UDP;
// with METRICS_PORT, also its own Prometheus /metrics. A half-given TLS identity is refused before anything starts.
const server = Command.make("server", PROGRAMS.server.flags, (settings) =>
  Effect.flatMap(serverTls(settings), (tls) =>
    Effect.gen(function*() {
      // Imported only when asked for: the HTTP stack (platform-node's server, its router, mime, ws) is a third
      // of what a points server would otherwise load at start (docs/BENCHMARKS.md, start-up).
      if (Option.isSome(settings.metricsPort)) {
        const { bindMetricsServer } = yield* Effect.promise(() => import("../servers/MetricsServer.js"))
        yield* bindMetricsServer({ host: settings.host, port: settings.metricsPort.value })
      }
      const broker = yield* optionalBroker(yield* BrokerSettings)
      return yield* servingThenDraining(servePoints({ ...settings, tls }), runEvents(broker, [settings.user]))
    }).pipe(
      Effect.scoped,
      // The database (and its migrations) is ready before the socket opens: see bindPointsServer.
      Effect.provide(Layer.mergeAll(Db.layerConfig(withOutbox(DbSettings)), Ticker.layer(settings.interval), Transport.layer, Metrics.layer))
    )))

runProgram(PROGRAMS.server, server)
