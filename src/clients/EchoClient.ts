import { Data, Duration, Effect, Option } from "effect"
import { concatBytes, sameBytes, toBytes } from "../schema/Bytes.js"
import { ECHO_PIECE_BYTES, pieces } from "../schema/EchoProtocol.js"
import { formatAddress, Transport, type TransportError } from "../layers/Transport.js"

export interface EchoTarget {
  readonly host: string
  readonly port: number
  /** How long the whole exchange may take, connect to the last byte of the echo. */
  readonly timeout: Duration.DurationInput
}

export class EchoError extends Data.TaggedError("EchoError")<{
  readonly reason: "Unreachable" | "Timeout" | "ClosedEarly" | "Mismatch"
  readonly target: string
  readonly detail: string
}> {
  override get message() {
    // A transport error already names the address.
    return this.reason === "Unreachable" ? this.detail : `${this.target}: ${this.detail}`
  }
}

/** Fails unless the echo is exactly what was sent. */
const verify = (target: string, sent: Uint8Array, echoed: Uint8Array) =>
  sameBytes(sent, echoed)
    ? Effect.succeed(echoed)
    : Effect.fail(new EchoError({ reason: "Mismatch", target, detail: `the echo differs from what was sent (${echoed.length} of ${sent.length} bytes back)` }))

const withTimeout = (target: string, timeout: Duration.DurationInput) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutFail(effect, {
    duration: timeout,
    onTimeout: () => new EchoError({ reason: "Timeout", target, detail: `no complete echo within ${Duration.format(timeout)}` })
  })

const unreachable = (target: string) => (error: TransportError) =>
  new EchoError({ reason: "Unreachable", target, detail: error.message })

/**
 * Seed 003's TCP client: the whole message in one write, then reads until as many bytes came back, handing
 * each piece of at most 16 bytes (the seed's `recv(16)`) to `onPiece`. Then a graceful close (FIN, never RST:
 * seed 003's server dies on a reset) without waiting for the server's EOF, since that server never closes first.
 */
export const echoOverTcp = <E, R>(
  target: EchoTarget,
  message: string,
  onPiece: (piece: Uint8Array) => Effect.Effect<void, E, R>
) => {
  const where = `tcp://${formatAddress(target)}`
  const sent = toBytes(message)
  return Effect.scoped(Effect.gen(function*() {
    const transport = yield* Transport
    const connection = yield* Effect.mapError(transport.connect(target), unreachable(where))
    yield* Effect.mapError(connection.write(sent), unreachable(where))
    const received: Array<Uint8Array> = []
    let count = 0
    while (count < sent.length) {
      const chunk = yield* Effect.mapError(connection.read, unreachable(where))
      if (Option.isNone(chunk)) {
        return yield* new EchoError({ reason: "ClosedEarly", target: where, detail: `the server closed after ${count} of ${sent.length} bytes` })
      }
      for (const piece of pieces(chunk.value, ECHO_PIECE_BYTES)) yield* onPiece(piece)
      received.push(chunk.value)
      count += chunk.value.length
    }
    yield* connection.end
    return concatBytes(received)
  })).pipe(withTimeout(where, target.timeout), Effect.flatMap((echoed) => verify(where, sent, echoed)))
}

/** Seed 003's UDP client: one datagram, the first datagram back is the echo. */
export const echoOverUdp = (target: EchoTarget, message: string) => {
  const where = `udp://${formatAddress(target)}`
  const sent = toBytes(message)
  return Effect.flatMap(Transport, (transport) => transport.exchange(target, sent)).pipe(
    Effect.mapError(unreachable(where)),
    withTimeout(where, target.timeout),
    Effect.flatMap((echoed) => verify(where, sent, echoed))
  )
}
