import { Duration, Effect, type Scope } from "effect"
import type { TransportKind } from "../schema/TransportKind.js"
import { Db, type DbError } from "../layers/Db.js"
import { Metrics } from "../layers/Metrics.js"
import { Ticker } from "../layers/Ticker.js"
import { type Address, Transport, type TransportError } from "../layers/Transport.js"
import { socketOptions, type SocketLimits } from "./PointsSockets.js"
import { answerDatagram, pointsSession } from "./PointsConnection.js"
import { makePointsState } from "./PointsState.js"
import { PRUNE_EVERY, pruneLedger, type RefreshedServer, refreshPoints, updatePoints } from "./PointsUpdates.js"

export interface PointsServerOptions extends SocketLimits {
  readonly user: string
  readonly transport: TransportKind
  readonly host: string
  readonly port: number
  /** A TCP connection that sends nothing for this long is closed. */
  readonly idleTimeout: Duration.DurationInput
  /** How often the server reads its row back, so that others' writes reach its answers. */
  readonly refreshInterval: Duration.DurationInput
  /** Points per interval (POINTS_PER_TICK, or the roster entry's `pointsPerTick`); 1 if absent. */
  readonly pointsPerTick?: number | undefined
  /** How long the ledger keeps a slot's row (HISTORY_RETENTION, default 7 days); owed slots stay younger. */
  readonly historyRetention?: Duration.DurationInput | undefined
}

export const DEFAULT_HISTORY_RETENTION: Duration.DurationInput = "7 days"

/** Owed slots a server keeps at most: a day at the default 30 s interval is 2,880. */
export const MAX_OWED_SLOTS = 10_000

export interface BoundPointsServer extends RefreshedServer {
  readonly address: Address
  /** How long the ledger keeps this server's rows. */
  readonly retention: Duration.DurationInput
  /** Ledger rows this server adds per prune period. */
  readonly rowsPerPrune: number
  /** This server's own fibers, accept and update, side by side: if one fails, both stop. */
  readonly run: Effect.Effect<never, TransportError, Db | Ticker | Metrics>
}

/**
 * Makes sure the user has a row, then binds the socket, in that order: nothing listens before the database
 * answers. The socket belongs to the caller's scope.
 */
export const bindPointsServer = (
  options: PointsServerOptions
): Effect.Effect<BoundPointsServer, DbError | TransportError, Db | Ticker | Transport | Metrics | Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Db
    const ticker = yield* Ticker
    const transport = yield* Transport
    yield* db.ensureUser(options.user)
    // Owed slots stay younger than the retention: a slot another replica claimed is still in the ledger.
    const intervalMillis = Duration.toMillis(ticker.interval)
    const retention = options.historyRetention ?? DEFAULT_HISTORY_RETENTION
    const maxOwed = Math.max(1, Math.min(MAX_OWED_SLOTS, Math.floor(Duration.toMillis(retention) / intervalMillis) - 1))
    const pointsPerTick = options.pointsPerTick ?? 1
    const writes = { pointsPerTick, maxOwed }
    const state = yield* makePointsState(options.user, writes)
    const at = { host: options.host, port: options.port }
    const sockets = socketOptions(options, yield* Metrics)
    const listener = options.transport === "tcp"
      ? yield* Effect.map(transport.listenStream(at, sockets.stream), (tcp) => ({
        address: tcp.address,
        accept: tcp.serveSessions(pointsSession(state.reply, sockets.record), sockets.timeouts)
      }))
      : yield* Effect.map(transport.listenDatagram(at), (udp) => ({
        address: udp.address,
        accept: udp.answerEach(answerDatagram(state.reply, sockets.record))
      }))
    yield* Effect.logInfo("points server listening").pipe(Effect.annotateLogs({ host: listener.address.host, port: listener.address.port }))
    return {
      address: listener.address,
      state,
      pointsPerTick,
      retention,
      rowsPerPrune: Math.ceil(Duration.toMillis(PRUNE_EVERY) / intervalMillis),
      // The fibers run until interrupted; Effect.all interrupts the survivors when one fails.
      run: Effect.all([listener.accept, updatePoints(state, writes)], { concurrency: "unbounded", discard: true }).pipe(
        Effect.andThen(Effect.never),
        Effect.annotateLogs({ user: options.user, transport: options.transport })
      )
    }
  }).pipe(Effect.annotateLogs({ user: options.user, transport: options.transport }))

/**
 * Bound points servers until interrupted: each one's own fibers, plus what the process does once for all of
 * them, so its database load does not grow with their number: one refresh (every `refreshInterval`, one
 * query per SNAPSHOT_CHUNK servers) and one prune of the ledger (a DELETE a minute, of up to twice the rows
 * they all add in that time, and at least 1,000).
 */
export const runPointsServers = (servers: ReadonlyArray<BoundPointsServer>, options: { readonly refreshInterval: Duration.DurationInput }) => {
  const retention = servers.reduce((longest, server) => Duration.max(longest, Duration.decode(server.retention)), Duration.zero)
  const limit = Math.max(1_000, 2 * servers.reduce((rows, server) => rows + server.rowsPerPrune, 0))
  return Effect.all([
    ...servers.map((server) => server.run),
    refreshPoints(servers, { interval: options.refreshInterval }),
    pruneLedger({ retention, limit })
  ], { concurrency: "unbounded", discard: true }).pipe(Effect.andThen(Effect.never))
}

/** A points server until interrupted. */
export const servePoints = (options: PointsServerOptions) =>
  Effect.scoped(Effect.flatMap(bindPointsServer(options), (server) => runPointsServers([server], options)))
