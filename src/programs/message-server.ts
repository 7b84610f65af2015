import * as Command from "@effect/cli/Command"
import { Effect } from "effect"
import { serveMessages } from "../servers/MessageServer.js"
import { runProgram } from "../cli/Program.js"
import { PROGRAMS } from "../settings/Programs.js"
import { Transport } from "../layers/Transport.js"

// Seed 004's server: one message per connection, answered with a timestamped receipt, then closed.
const messageServer = Command.make("message-server", PROGRAMS["message-server"].flags, (settings) =>
  serveMessages(settings).pipe(Effect.provide(Transport.layer)))

runProgram(PROGRAMS["message-server"], messageServer)
