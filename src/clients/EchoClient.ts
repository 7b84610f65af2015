import { Duration, Effect, Stream } from "effect"
import { concatBytes, sameBytes, toBytes } from "../schema/Bytes.js"
import { ECHO_PIECE_BYTES, pieces } from "../schema/EchoProtocol.js"
import { chunks } from "../layers/transport/readToEnd.js"
import { formatAddress, Transport, type TransportError } from "../layers/Transport.js"
import { ClientError } from "./ClientError.js"

export interface EchoTarget {
  readonly host: string
  readonly port: number
  /** How long the whole exchange may take, connect to the last byte of the echo. */
  readonly timeout: Duration.DurationInput
}

/** Fails unless the echo is exactly what was sent. */
const verify = (target: string, sent: Uint8Array, echoed: Uint8Array) =>
  sameBytes(sent, echoed)
    ? Effect.succeed(echoed)
    : Effect.fail(new ClientError({ reason: "Mismatch", target, detail: `the echo differs from what was sent (${echoed.length} of ${sent.length} bytes back)` }))

const withTimeout = (target: string, timeout: Duration.DurationInput) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutFail(effect, {
    duration: timeout,
    onTimeout: () => new ClientError({ reason: "Timeout", target, detail: `no complete echo within ${Duration.format(timeout)}` })
  })

const unreachable = (target: string) => (error: TransportError) =>
  new ClientError({ reason: "Unreachable", target, detail: error.message })

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
    // No more is read once as many bytes are back: seed 003's server never closes first.
    const received = yield* chunks(connection).pipe(
      Stream.mapError(unreachable(where)),
      Stream.tap((chunk) => Effect.forEach(pieces(chunk, ECHO_PIECE_BYTES), onPiece, { discard: true })),
      Stream.runFoldWhile(
        { chunks: [] as Array<Uint8Array>, count: 0 },
        ({ count }) => count < sent.length,
        ({ chunks, count }, chunk) => ({ chunks: [...chunks, chunk], count: count + chunk.length })
      )
    )
    if (received.count < sent.length) {
      return yield* new ClientError({ reason: "ClosedEarly", target: where, detail: `the server closed after ${received.count} of ${sent.length} bytes` })
    }
    yield* connection.end
    return concatBytes(received.chunks)
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
