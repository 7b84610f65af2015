import { type Duration, Effect, type Scope } from "effect"
import type { TransportKind } from "../schema/TransportKind.js"
import { Db, type DbError } from "../layers/Db.js"
import type { Ticker } from "../layers/Ticker.js"
import { type Address, Transport, type TransportError } from "../layers/Transport.js"
import { handleConnection, handleDatagram } from "./PointsConnection.js"
import { makePointsState } from "./PointsState.js"
import { updatePoints } from "./PointsUpdates.js"

export interface PointsServerOptions {
  readonly user: string
  readonly transport: TransportKind
  readonly host: string
  readonly port: number
  /** A TCP connection that sends nothing for this long is closed. */
  readonly idleTimeout: Duration.DurationInput
  /** How often the server reads its row back, so that others' writes reach its answers. */
  readonly refreshInterval: Duration.DurationInput
}

export interface BoundPointsServer {
  readonly address: Address
  /** The accept, update and refresh fibers, side by side: if one fails, all stop. */
  readonly run: Effect.Effect<never, TransportError, Db | Ticker>
}

/**
 * Makes sure the user has a row, then binds the socket, in that order: nothing listens before the database
 * answers. The socket belongs to the caller's scope.
 */
export const bindPointsServer = (
  options: PointsServerOptions
): Effect.Effect<BoundPointsServer, DbError | TransportError, Db | Transport | Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Db
    const transport = yield* Transport
    yield* db.ensureUser(options.user)
    const state = yield* makePointsState(options.user, options.refreshInterval)
    const at = { host: options.host, port: options.port }
    const listener = options.transport === "tcp"
      ? yield* Effect.map(transport.listenStream(at), (tcp) => ({
        address: tcp.address,
        accept: tcp.serve(handleConnection(state.reply, options.idleTimeout))
      }))
      : yield* Effect.map(transport.listenDatagram(at), (udp) => ({
        address: udp.address,
        accept: udp.serve(handleDatagram(state.reply))
      }))
    yield* Effect.logInfo("points server listening").pipe(Effect.annotateLogs({ host: listener.address.host, port: listener.address.port }))
    return {
      address: listener.address,
      // Both fibers run until interrupted; Effect.all interrupts the survivor when either one fails.
      run: Effect.all([listener.accept, updatePoints(state), state.refresh], { concurrency: "unbounded", discard: true }).pipe(
        Effect.andThen(Effect.never),
        Effect.annotateLogs({ user: options.user, transport: options.transport })
      )
    }
  }).pipe(Effect.annotateLogs({ user: options.user, transport: options.transport }))

/** A points server until interrupted. */
export const servePoints = (options: PointsServerOptions) =>
  Effect.scoped(Effect.flatMap(bindPointsServer(options), (server) => server.run))
