import { Console, Duration, Effect, Option } from "effect"
import { LinePrompt } from "../layers/LinePrompt.js"
import { readToEnd } from "../layers/transport/readToEnd.js"
import { formatAddress, Transport, type TransportError } from "../layers/Transport.js"
import { ClientError } from "./ClientError.js"

export interface MessageTarget {
  readonly host: string
  readonly port: number
  /** How long one exchange may take, connect to the server's close. */
  readonly timeout: Duration.DurationInput
}

/** More than any receipt of a 1024-byte message; a server that streams past it is cut off. */
const MAX_REPLY_BYTES = 64 * 1024

/**
 * One exchange, as seed 004's client does it: the message with no terminator, then the reply read to EOF
 * (seed 004's server sends no terminator; its close ends the reply), then our own graceful close.
 */
export const sendMessage = (target: MessageTarget, message: string): Effect.Effect<string, ClientError, Transport> => {
  const where = formatAddress(target)
  const unreachable = (error: TransportError) => new ClientError({ reason: "Unreachable", target: where, detail: error.message })
  return Effect.scoped(Effect.gen(function*() {
    const transport = yield* Transport
    const connection = yield* transport.connect(target)
    yield* connection.write(message)
    const reply = yield* readToEnd(connection, MAX_REPLY_BYTES)
    yield* connection.end
    return reply
  })).pipe(
    Effect.mapError(unreachable),
    Effect.timeoutFail({
      duration: target.timeout,
      onTimeout: () => new ClientError({ reason: "Timeout", target: where, detail: `no reply within ${Duration.format(target.timeout)}` })
    }),
    Effect.filterOrFail(
      (reply) => reply !== "",
      () => new ClientError({ reason: "NoReply", target: where, detail: "the server closed without replying" })
    ),
    Effect.filterOrFail(
      (reply) => !reply.startsWith("ERROR "),
      (reply) => new ClientError({ reason: "Refused", target: where, detail: `the server refused the message: ${reply}` })
    ),
    Effect.tap((reply) => Effect.logDebug("reply received").pipe(Effect.annotateLogs({ reply })))
  )
}

const QUIT_WORDS = new Set(["quit", "exit", "q"])

/**
 * Seed 004's interactive mode: one connection per line (the server closes after each reply). `quit`, `exit`,
 * `q` or the end of input ends it. A refused or unanswered message is reported and the session goes on; a
 * server that is not there ends it with that error, since every later line would fail the same way.
 */
export const chat = (target: MessageTarget) =>
  Effect.gen(function*() {
    const prompt = yield* LinePrompt
    yield* Console.log("TCP Client - Type 'quit' to exit")
    yield* Console.log("-".repeat(40))
    while (true) {
      const line = yield* prompt.ask("Enter message to send: ")
      if (Option.isNone(line)) {
        yield* Console.log("") // end of input leaves the cursor after the prompt
        break
      }
      if (QUIT_WORDS.has(line.value.trim().toLowerCase())) break
      // An empty line would be an empty read at the server, which never answers one.
      if (line.value === "") continue
      yield* sendMessage(target, line.value).pipe(
        Effect.flatMap((reply) => Console.log(`Server response: ${reply}`)),
        Effect.catchIf((error) => error.reason !== "Unreachable", (error) => Console.error(`error: ${error.message}`))
      )
    }
    yield* Console.log("Goodbye")
  })
