import * as Command from "@effect/cli/Command"
import { Effect } from "effect"
import { serveEcho } from "../servers/EchoServer.js"
import { runProgram } from "../cli/Program.js"
import { Transport } from "../layers/Transport.js"
import { echoServerOptions } from "../settings/BasicsSettings.js"

// Seed 003's echo servers in one program: TCP (16-byte pieces, as they arrive) and UDP (whole datagrams).
const echoServer = Command.make("echo-server", echoServerOptions, (settings) =>
  serveEcho(settings).pipe(Effect.provide(Transport.layer)))

runProgram("echo-server", echoServer, "Echoes TCP streams in pieces of at most 16 bytes and UDP datagrams whole (seed 003).")
