import * as Command from "@effect/cli/Command"
import { Effect, Layer } from "effect"
import { bindDashboard } from "../dashboard/Dashboard.js"
import { controlPublisher } from "../dashboard/ControlEvents.js"
import { eventsOption } from "../dashboard/DashboardFeed.js"
import { optionalBroker } from "../layers/Broker.js"
import { Db } from "../layers/Db.js"
import { Metrics } from "../layers/Metrics.js"
import { bindEchoServer } from "../servers/EchoServer.js"
import { bindMessageServer } from "../servers/MessageServer.js"
import { pollPoints } from "../clients/PointsClient.js"
import { bindPointsServer, runPointsServers } from "../servers/PointsServer.js"
import { runProgram } from "../cli/Program.js"
import { PROGRAMS } from "../settings/Programs.js"
import { adminTokenOf, dashboardConfig } from "../settings/DashboardSettings.js"
import { DbSettings } from "../settings/DbSettings.js"
import { loadRoster } from "../settings/RosterFile.js"
import { Ticker } from "../layers/Ticker.js"
import { Transport } from "../layers/Transport.js"
import { echoServerConfig, messageServerConfig } from "../settings/BasicsSettings.js"
import { serverTls } from "../settings/PointsSettings.js"
import { BrokerSettings } from "../settings/BrokerSettings.js"
import { runEvents, servingThenDraining, withOutbox } from "../servers/EventOutbox.js"

// The whole system in one process and one scope: every points server of the roster with a polling client
// each, and the socket basics (echo, message) beside them.
/** The dashboard's settings with its token read (ADMIN_TOKEN_FILE), before anything starts. */
const dashboardSettings = Effect.flatMap(dashboardConfig, (http) => Effect.map(adminTokenOf(http), (adminToken) => ({ ...http, adminToken })))

const stack = Command.make("stack", PROGRAMS.stack.flags, (settings) =>
  Effect.flatMap(Effect.all([loadRoster(settings.roster), serverTls(settings), settings.dashboard ? dashboardSettings : Effect.succeed(undefined)]), ([roster, tls, http]) =>
    Effect.gen(function*() {
      // One broker connection (when BROKER_URL is set) for the outbox and the dashboard's control events.
      const brokerConfig = yield* BrokerSettings
      const broker = yield* optionalBroker(brokerConfig)
      yield* Effect.logInfo("starting roster").pipe(Effect.annotateLogs({ roster: roster.name, servers: roster.servers.length }))
      // The database is migrated once (Db.layerConfig(DbSettings)), then every port is bound before anything runs: a port
      // clash stops the stack before a single client starts.
      const points = yield* Effect.forEach(roster.servers, (entry) => bindPointsServer({ ...settings, ...entry, pointsPerTick: entry.pointsPerTick ?? settings.pointsPerTick, tls }))
      const echo = settings.echo ? [yield* Effect.flatMap(echoServerConfig, bindEchoServer)] : []
      const messages = settings.messages ? [yield* Effect.flatMap(messageServerConfig, bindMessageServer)] : []

      const clientHost = settings.host === "0.0.0.0" || settings.host === "::" ? "127.0.0.1" : settings.host
      // The dashboard watches the same database and probes these servers where the clients reach them; it
      // exposes this whole process's metrics (every server counts into the one Metrics registry).
      const dashboard = http !== undefined
        ? [yield* Effect.gen(function*() {
          const { timeZone } = yield* DbSettings
          return yield* bindDashboard({
            ...http,
            host: http.httpHost,
            port: http.httpPort,
            roster: roster.servers,
            probeHost: clientHost,
            refreshInterval: settings.refreshInterval,
            timeZone,
            publishControl: controlPublisher(broker),
            ...eventsOption(brokerConfig)
          })
        })]
        : []
      const clients = settings.clients
        ? roster.servers.map((entry) =>
          pollPoints(
            { ...settings, ...entry, host: clientHost },
            settings,
            settings.pollInterval,
            (answer) => Effect.logInfo(answer.line),
            // One client giving up (its server's database is down, say) must not stop the whole stack.
            (error) => Effect.logWarning("poll gave up, polling on").pipe(Effect.annotateLogs({ error: error.message }))
          ).pipe(Effect.annotateLogs({ client: entry.user }))
        )
        : []
      const servers = [...echo, ...messages, ...dashboard].map((server) => server.run)
      const events = runEvents(broker, roster.servers.map((entry) => entry.user))
      const serving = Effect.all([runPointsServers(points, settings), ...servers, ...clients], { concurrency: "unbounded", discard: true })
      return yield* servingThenDraining(serving, events)
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.mergeAll(Db.layerConfig(withOutbox(DbSettings)), Ticker.layer(settings.interval), Transport.layer, Metrics.layer))
    )))

runProgram(PROGRAMS.stack, stack)
