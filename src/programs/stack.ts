import { Command } from "@effect/cli"
import { Effect, Layer } from "effect"
import { Db } from "../layers/Db.js"
import { pollPoints } from "../layers/PointsClient.js"
import { bindPointsServer } from "../layers/PointsServer.js"
import { runProgram } from "../layers/Program.js"
import { loadRoster } from "../layers/RosterFile.js"
import { Ticker } from "../layers/Ticker.js"
import { Transport } from "../layers/Transport.js"
import { stackOptions } from "../schema/StackSettings.js"

// The whole system in one process and one scope: every server of the roster, and one polling client each.
const stack = Command.make("stack", stackOptions, (settings) =>
  Effect.flatMap(loadRoster(settings.roster), (roster) => Effect.gen(function*() {
    yield* Effect.logInfo("starting roster").pipe(Effect.annotateLogs({ roster: roster.name, servers: roster.servers.length }))
    // The database is migrated once (Db.fromEnv), then every port is bound before anything runs: a port
    // clash stops the stack before a single client starts.
    const servers = yield* Effect.forEach(roster.servers, (entry) => bindPointsServer({ ...settings, ...entry }))
    const clientHost = settings.host === "0.0.0.0" || settings.host === "::" ? "127.0.0.1" : settings.host
    const clients = settings.clients
      ? roster.servers.map((entry) =>
        pollPoints({ ...settings, ...entry, host: clientHost }, settings, settings.pollInterval, (answer) =>
          Effect.logInfo(answer.line)).pipe(Effect.annotateLogs({ client: entry.user }))
      )
      : []
    return yield* Effect.all([...servers.map((server) => server.run), ...clients], { concurrency: "unbounded", discard: true })
  }).pipe(
    Effect.scoped,
    Effect.provide(Layer.mergeAll(Db.fromEnv, Ticker.layer(settings.interval), Transport.node))
  )))

runProgram("stack", stack, "Runs a roster of points servers (default: seed 000's four) with a polling client each.")
