import { Duration, Effect, Either, Option, Schedule, Schema, Stream } from "effect"
import { ClientError } from "./ClientError.js"
import { type Dialect, isErrorReply, type PointsReply, ReplyLine, RequestFromText } from "../schema/PointsProtocol.js"
import type { TransportKind } from "../schema/TransportKind.js"
import { chunks } from "../layers/transport/readToEnd.js"
import { type ConnectOptions, type Connection, formatAddress, Transport, type TransportError } from "../layers/Transport.js"

export interface PointsTarget {
  readonly host: string
  readonly port: number
  readonly transport: TransportKind
  readonly dialect: Dialect
  /** How long one request may take, connect to reply. */
  readonly timeout: Duration.DurationInput
  /** Speak TLS (TCP only), verifying the server's certificate against `ca` (default: the system's roots). */
  readonly tls?: ConnectOptions["tls"]
}

export interface RetryPolicy {
  /** Tries in all, the first included (seed 002's clients: 5). */
  readonly tries: number
  readonly initialDelay: Duration.DurationInput
  readonly maxDelay: Duration.DurationInput
}

export interface Answer {
  /** The reply as the server sent it, without its line terminator. */
  readonly line: string
  readonly reply: PointsReply
}

const MAX_REPLY_BYTES = 4096

/** OpenSSL's verification failures (unknown CA, wrong name, expired…), as Node reports them. */
const isCertificateError = (error: TransportError) => {
  const code = (error.cause as { code?: unknown } | undefined)?.code
  return typeof code === "string" && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)
}
const requestFor = (dialect: Dialect) =>
  Schema.encodeSync(RequestFromText)(dialect === "get_data" ? { _tag: "GetData" } : { _tag: "LatestPoints", keepAlive: false })

/**
 * A reply is complete at its newline, at EOF, or, in seed 001's dialect where nothing is terminated, once it
 * parses as a reply or reads as a refusal (`ERROR …`, or seed 001's `Invalid command…` sentence).
 */
const isBareRefusal = (text: string) => /^ERROR \S|^Invalid command\. Use 'get_data' or 'quit'$/.test(text)

const isComplete = (text: string) =>
  text.length >= MAX_REPLY_BYTES || text.includes("\n") || Either.isRight(Schema.decodeEither(ReplyLine)(text)) || isBareRefusal(text)

const readReply = (connection: Connection) =>
  chunks(connection).pipe(
    Stream.decodeText(),
    Stream.scan("", (text, piece) => text + piece),
    Stream.takeUntil(isComplete),
    Stream.runLast,
    Effect.map((text) => Option.getOrElse(text, () => "").split("\n")[0]!.replace(/\r$/, ""))
  )

const interpret = (target: string) => (line: string): Effect.Effect<Answer, ClientError> =>
  Schema.decodeEither(ReplyLine)(line).pipe(
    Either.match({
      onRight: (reply) => Effect.succeed({ line, reply }),
      onLeft: () =>
        // Nothing at all is what a load balancer gives when the replica it picked died mid-request (TCP: a close;
        // nginx over UDP: an empty datagram): worth another try, which may reach another replica.
        line === ""
          ? Effect.fail(new ClientError({ reason: "NoReply", target, detail: "the server closed without replying" }))
          : isErrorReply(line)
          ? Effect.fail(new ClientError({ reason: "Refused", target, detail: `the server answered: ${line}` }))
          : Effect.fail(new ClientError({ reason: "BadReply", target, detail: `not a points reply: ${JSON.stringify(line.slice(0, 80))}` }))
    })
  )

/** Asks a points server once: ours, or any of the seeds' (only the reply line matters). */
export const askPoints = (target: PointsTarget): Effect.Effect<Answer, ClientError, Transport> => {
  const where = `${target.transport}://${formatAddress(target)}`
  // A certificate that does not verify will not verify on the next try either: not retried.
  const unreachable = (error: TransportError) =>
    new ClientError({ reason: isCertificateError(error) ? "Untrusted" : "Unreachable", target: where, detail: error.message })
  return Effect.gen(function*() {
    const transport = yield* Transport
    if (target.transport === "udp") {
      const bytes = yield* transport.exchange(target, requestFor(target.dialect))
      return new TextDecoder().decode(bytes).replace(/\r?\n$/, "")
    }
    return yield* Effect.scoped(Effect.gen(function*() {
      const connection = yield* transport.connect(target, target.tls === undefined ? {} : { tls: target.tls })
      // seed 002 wants a line; seed 001's servers refuse `get_data\n`, so that dialect goes bare, then `quit`.
      yield* connection.write(target.dialect === "get_data" ? requestFor(target.dialect) : `${requestFor(target.dialect)}\n`)
      const line = yield* readReply(connection)
      if (target.dialect === "get_data") yield* Effect.ignore(connection.write("quit"))
      yield* connection.end
      return line
    }))
  }).pipe(
    Effect.mapError(unreachable),
    Effect.timeoutFail({
      duration: target.timeout,
      onTimeout: () => new ClientError({ reason: "Timeout", target: where, detail: `no reply within ${Duration.format(target.timeout)}` })
    }),
    Effect.flatMap(interpret(where))
  )
}

/**
 * Capped exponential backoff with jitter: each wait is a random point between half and all of initialDelay ×2ⁿ,
 * never longer than maxDelay, so a hundred clients whose server restarts do not come back in lock-step.
 */
export const backoff = (policy: RetryPolicy) =>
  Schedule.exponential(policy.initialDelay, 2).pipe(
    Schedule.jitteredWith({ min: 0.5, max: 1 }),
    Schedule.union(Schedule.spaced(policy.maxDelay)),
    Schedule.intersect(Schedule.recurs(policy.tries - 1))
  )

/**
 * Asks, retrying while the server is unreachable, silent, closing without a reply (a replica dying behind a
 * load balancer) or answering with an error (starting up, database down). Something that is not a points
 * server is not retried. Fails with the last error after `tries`.
 */
export const askPointsWithRetry = (target: PointsTarget, policy: RetryPolicy) =>
  askPoints(target).pipe(
    Effect.tapError((error) => Effect.logWarning("no answer").pipe(Effect.annotateLogs({ error: error.message }))),
    Effect.retry({ schedule: backoff(policy), while: (error) => error.reason !== "BadReply" && error.reason !== "Untrusted" }),
    Effect.mapError((error) =>
      error.reason === "BadReply" || error.reason === "Untrusted"
        ? error
        : new ClientError({ ...error, detail: `gave up after ${policy.tries} tries: ${error.detail}` }))
  )

/**
 * Polls every `interval` (seed 001: 10 s), each poll a fresh request, so a restarted server is simply
 * reached again. A poll that has used up its tries ends the polling with its error, unless `onGiveUp` is
 * given: then that poll is reported to it and polling goes on (the stack's clients outlive an outage).
 */
export const pollPoints = <E, R>(
  target: PointsTarget,
  policy: RetryPolicy,
  interval: Duration.DurationInput,
  onAnswer: (answer: Answer) => Effect.Effect<void, E, R>,
  onGiveUp?: (error: ClientError) => Effect.Effect<void>
) =>
  Effect.repeat(
    onGiveUp === undefined
      ? Effect.flatMap(askPointsWithRetry(target, policy), onAnswer)
      : Effect.matchEffect(askPointsWithRetry(target, policy), { onFailure: onGiveUp, onSuccess: onAnswer }),
    Schedule.spaced(interval)
  )
