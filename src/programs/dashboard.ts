import * as Command from "@effect/cli/Command"
import { Effect, Layer } from "effect"
import { loadRoster } from "../settings/RosterFile.js"
import { runProgram } from "../cli/Program.js"
import { PROGRAMS } from "../settings/Programs.js"
import { serveDashboard } from "../dashboard/Dashboard.js"
import { optionalBroker } from "../layers/Broker.js"
import { Db } from "../layers/Db.js"
import { Metrics } from "../layers/Metrics.js"
import { Transport } from "../layers/Transport.js"
import { adminTokenOf } from "../settings/DashboardSettings.js"
import { DbSettings } from "../settings/DbSettings.js"
import { BrokerSettings } from "../settings/BrokerSettings.js"
import { controlPublisher } from "../dashboard/ControlEvents.js"
import { eventsOption } from "../dashboard/DashboardFeed.js"

// The dashboard alone, over the same database as the servers (which may run in other processes or
// containers): the live page, the REST API, user control and /metrics.
const dashboard = Command.make(
  "dashboard",
  PROGRAMS.dashboard.flags,
  (settings) =>
    // The token first: an unreadable ADMIN_TOKEN_FILE stops it before the database is touched.
    Effect.flatMap(adminTokenOf(settings), (adminToken) =>
      Effect.gen(function*() {
        const roster = yield* loadRoster(settings.roster)
        const { timeZone } = yield* DbSettings
        const broker = yield* BrokerSettings
        // With a broker, resets, pauses and resumes are published as control.<user> events too, and the
        // watcher follows the point events instead of polling the database.
        const publishControl = controlPublisher(yield* optionalBroker(broker))
        return yield* serveDashboard({
          ...settings,
          adminToken,
          host: settings.httpHost,
          port: settings.httpPort,
          roster: roster.servers,
          timeZone,
          publishControl,
          ...eventsOption(broker)
        })
      }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(Db.layerConfig(DbSettings), Metrics.layer, Transport.layer))))
)

runProgram(PROGRAMS.dashboard, dashboard)
