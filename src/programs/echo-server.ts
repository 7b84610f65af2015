import * as Command from "@effect/cli/Command"
import { Effect } from "effect"
import { serveEcho } from "../servers/EchoServer.js"
import { runProgram } from "../cli/Program.js"
import { PROGRAMS } from "../settings/Programs.js"
import { Transport } from "../layers/Transport.js"

// Seed 003's echo servers in one program: TCP (16-byte pieces, as they arrive) and UDP (whole datagrams).
const echoServer = Command.make("echo-server", PROGRAMS["echo-server"].flags, (settings) =>
  serveEcho(settings).pipe(Effect.provide(Transport.layer)))

runProgram(PROGRAMS["echo-server"], echoServer)
