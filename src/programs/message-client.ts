import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { Console, Effect, Option } from "effect"
import { LinePrompt } from "../layers/LinePrompt.js"
import { chat, sendMessage } from "../clients/MessageClient.js"
import { runProgram } from "../cli/Program.js"
import { PROGRAMS } from "../settings/Programs.js"
import { Transport } from "../layers/Transport.js"

const message = Args.text({ name: "message" }).pipe(
  Args.withDescription("send this one message and exit; without it, read messages from the terminal"),
  Args.optional
)

// Seed 004's client: one message from the command line, or an interactive session, one connection per line.
const messageClient = Command.make("message-client", { ...PROGRAMS["message-client"].flags, message }, (settings) =>
  Option.match(settings.message, {
    onSome: (text) => Effect.flatMap(sendMessage(settings, text), (reply) => Console.log(`Response: ${reply}`)),
    onNone: () => chat(settings).pipe(Effect.provide(LinePrompt.layer))
  }).pipe(Effect.provide(Transport.layer)))

runProgram(PROGRAMS["message-client"], messageClient)
