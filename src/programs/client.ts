import * as Command from "@effect/cli/Command"
import { Console, Duration, Effect, Layer, Option } from "effect"
import { type Answer, askPointsWithRetry, pollPoints } from "../clients/PointsClient.js"
import { runProgram } from "../cli/Program.js"
import { PROGRAMS } from "../settings/Programs.js"
import { Transport } from "../layers/Transport.js"

// Asks a points server (ours or a seed's) for the latest points and prints the reply line on stdout.
const client = Command.make("client", PROGRAMS.client.flags, (settings) => {
  const target = {
    ...settings,
    timeout: settings.timeout,
    tls: settings.tls ? Option.match(settings.tlsCa, { onNone: () => ({}), onSome: (ca) => ({ ca }) }) : undefined
  }
  // The whole reply line, or what seed 000's client prints: `Latest points: 42`.
  const print = (answer: Answer) => Console.log(settings.output === "points" ? `Latest points: ${answer.reply.points}` : answer.line)
  return (Duration.isZero(settings.interval)
    ? Effect.flatMap(askPointsWithRetry(target, settings), print)
    : pollPoints(target, settings, settings.interval, print)
  ).pipe(Effect.provide(Layer.mergeAll(Transport.layer)))
})

runProgram(PROGRAMS.client, client)
