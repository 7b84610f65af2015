import * as Command from "@effect/cli/Command"
import { ConfigError, Console, Effect, Option, Ref, Schema, Stream } from "effect"
import { runProgram } from "../cli/Program.js"
import { subscribe } from "../layers/BrokerFeed.js"
import { PointEvent } from "../schema/PointEvent.js"
import { BrokerSettings } from "../settings/BrokerSettings.js"
import { PROGRAMS } from "../settings/Programs.js"

// Prints the point-change events of the broker's exchange as they come (docs/EVENTS.md): one line per event,
// or each JSON body with --json true; --user filters. Its own exclusive queue goes with it (BrokerFeed); it
// reconnects when the broker goes away, and Ctrl-C ends it with exit code 0.

/** `ikhwan +1 → 42 (slot 59874457, 2026-12-02 17:48:30)` */
export const eventLine = (event: PointEvent) => `${event.user} +${event.points} → ${event.total} (slot ${event.slot}, ${event.recorded_at})`

const decodeEvent = Schema.decodeUnknownOption(Schema.parseJson(PointEvent))

const events = Command.make("events", PROGRAMS.events.flags, (settings) =>
  Effect.gen(function*() {
    const broker = yield* Effect.flatMap(BrokerSettings, Option.match({
      onNone: () => Effect.fail(ConfigError.InvalidData(["BROKER_URL"], "is required: the broker whose events to print")),
      onSome: Effect.succeed
    }))
    const pattern = settings.user === "" ? "points.*" : `points.${settings.user}`
    const away = yield* Ref.make(false)
    const print = (body: string) =>
      settings.json
        ? Console.log(body)
        : Option.match(decodeEvent(body), {
          onNone: () => Effect.logWarning("not a point event").pipe(Effect.annotateLogs({ body })),
          onSome: (event) => Console.log(eventLine(event))
        })
    return yield* subscribe(broker, [pattern]).pipe(
      Stream.runForEach((item) => {
        switch (item._tag) {
          case "Connected":
            return Effect.zipRight(
              Ref.set(away, false),
              Effect.logInfo("listening for events").pipe(Effect.annotateLogs({ exchange: broker.exchange, routing: pattern }))
            )
          case "Disconnected":
            // Once per outage, however many tries it takes.
            return Effect.whenEffect(
              Effect.logWarning("broker away, reconnecting").pipe(Effect.annotateLogs({ error: item.error.message })),
              Effect.map(Ref.getAndSet(away, true), (already) => !already)
            )
          case "Message":
            return print(item.body)
        }
      })
    )
  }))

runProgram(PROGRAMS.events, events)
