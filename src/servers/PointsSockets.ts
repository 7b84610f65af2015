import type { Duration } from "effect"
import type { MetricsShape } from "../layers/Metrics.js"
import type { SessionTimeouts, StreamOptions } from "../layers/Transport.js"
import type { TransportKind } from "../schema/TransportKind.js"
import type { Record } from "./PointsConnection.js"

/** A points server's socket limits (MAX_CONNECTIONS, REQUEST_TIMEOUT, SHUTDOWN_TIMEOUT, TLS_*); absent = the transport's defaults. */
export interface SocketLimits {
  readonly transport: TransportKind
  /** A TCP connection that sends nothing for this long is closed. */
  readonly idleTimeout: Duration.DurationInput
  readonly maxConnections?: number | undefined
  readonly requestTimeout?: Duration.DurationInput | undefined
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  readonly tls?: { readonly cert: string; readonly key: string } | undefined
}

/** What the line over the cap says (seed 002's framing: every client reads up to `\n`). */
export const OVER_CAPACITY = "ERROR too many connections, try again later\n"

/** The listener options and the hot path's request recorder of one points server (bound to its transport once). */
export const socketOptions = (limits: SocketLimits, metrics: MetricsShape) => {
  const transport = limits.transport
  const recordRequest = metrics.socketRequests(transport)
  metrics.openConnections.inc({ transport }, 0) // exported at 0 before the first connection
  const record: Record = (outcome, since) => recordRequest(outcome, (performance.now() - since) / 1000)
  const stream: StreamOptions = {
    maxConnections: limits.maxConnections,
    overCapacity: OVER_CAPACITY,
    shutdownTimeout: limits.shutdownTimeout,
    connections: metrics.openConnections.labels({ transport }),
    ...(limits.tls === undefined ? {} : { tls: limits.tls })
  }
  const timeouts: SessionTimeouts = {
    idleTimeout: limits.idleTimeout,
    requestTimeout: limits.requestTimeout
  }
  return { record, stream, timeouts }
}
