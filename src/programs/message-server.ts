import * as Command from "@effect/cli/Command"
import { Effect } from "effect"
import { serveMessages } from "../servers/MessageServer.js"
import { runProgram } from "../cli/Program.js"
import { Transport } from "../layers/Transport.js"
import { messageServerOptions } from "../settings/BasicsSettings.js"

// Seed 004's server: one message per connection, answered with a timestamped receipt, then closed.
const messageServer = Command.make("message-server", messageServerOptions, (settings) =>
  serveMessages(settings).pipe(Effect.provide(Transport.layer)))

runProgram("message-server", messageServer, "Answers each TCP message with `Server received at <time>: <message>` (seed 004).")
