import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { Console, Effect, Option } from "effect"
import { echoOverTcp, echoOverUdp } from "../clients/EchoClient.js"
import { runProgram } from "../cli/Program.js"
import { PROGRAMS } from "../settings/Programs.js"
import { formatAddress, Transport } from "../layers/Transport.js"
import { toBytes } from "../schema/Bytes.js"
import { SEED_TCP_MESSAGE, SEED_UDP_MESSAGE, showBytes } from "../schema/EchoProtocol.js"

const message = Args.text({ name: "message" }).pipe(
  Args.withDescription("what to send (default: seed 003's message for the transport)"),
  Args.optional
)

// Sends one message to an echo server and checks it comes back: exit 0 if it did, 1 with the reason if not.
const echoClient = Command.make("echo-client", { ...PROGRAMS["echo-client"].flags, message }, (settings) => {
  const tcp = settings.transport === "tcp"
  const target = { host: settings.host, port: tcp ? settings.tcpPort : settings.udpPort, timeout: settings.timeout }
  const text = Option.getOrElse(settings.message, () => tcp ? SEED_TCP_MESSAGE : SEED_UDP_MESSAGE)
  const encoded = toBytes(text)
  return Effect.gen(function*() {
    yield* Console.log(`connecting to ${formatAddress(target)} over ${settings.transport}`)
    yield* Console.log(`sending ${showBytes(encoded)}`)
    const echoed = tcp
      ? yield* echoOverTcp(target, text, (piece) => Console.log(`received ${showBytes(piece)}`))
      : yield* echoOverUdp(target, text)
    if (!tcp) yield* Console.log(`received ${echoed.length} bytes: ${showBytes(echoed)}`)
    yield* Console.log(`echo matched (${echoed.length} bytes)`)
  }).pipe(Effect.provide(Transport.layer))
})

runProgram(PROGRAMS["echo-client"], echoClient)
