import { Chunk, Clock, DateTime, Duration, Effect, Schedule, Stream } from "effect"
import { askPoints } from "../clients/PointsClient.js"
import { Transport } from "../layers/Transport.js"
import type { ServerStatus } from "../schema/DashboardPayloads.js"
import { dnsLabelOf } from "../schema/DnsLabel.js"
import type { RosterEntry } from "../schema/Roster.js"
import { formatTimestamp } from "../schema/Timestamp.js"

/** How long a probe may take before its server counts as down: short, so one dead server never delays the rest. */
export const PROBE_TIMEOUT = Duration.seconds(1)

/**
 * The most probes the dashboard sends a second, all servers together, and at once: a roster of 1,000 is
 * probed over 10 s, not in one burst of 1,000 connections. Each server is probed once a round, and rounds
 * are PROBE_INTERVAL apart.
 */
export const MAX_PROBES_PER_SECOND = 100
export const PROBE_CONCURRENCY = 16

/**
 * The host a roster server is probed at: in the template `{user}` stands for the user's name in lower case
 * (compose's `server-{user}`), `{slug}` for it as a DNS label (Kubernetes' `points-{slug}`).
 */
export const probeHostFor = (template: string, user: string) =>
  template.replaceAll("{user}", user.toLowerCase()).replaceAll("{slug}", dnsLabelOf(user))

/** What `/api/servers` says about a server nobody has probed yet. */
export const unprobed = (entry: RosterEntry, hostTemplate: string): ServerStatus => ({
  name: `server-${entry.user.toLowerCase()}`,
  user: entry.user,
  transport: entry.transport,
  host: probeHostFor(hostTemplate, entry.user),
  port: entry.port,
  control_port: null,
  language: "typescript",
  status: "unknown",
  rtt_ms: null,
  error: null,
  checked_at: null
})

/**
 * Asks every roster server for its points over its own protocol (TCP or UDP, its dialect), each within
 * PROBE_TIMEOUT, at most MAX_PROBES_PER_SECOND and PROBE_CONCURRENCY at once. A server is `up` when a points
 * reply came back; the round trip is connect to reply.
 */
export const probeServers = (
  roster: ReadonlyArray<RosterEntry>,
  hostTemplate: string,
  timeZone: DateTime.TimeZone
): Effect.Effect<ReadonlyArray<ServerStatus>, never, Transport> =>
  Stream.fromIterable(roster).pipe(
    // Paced, one server every 1/MAX_PROBES_PER_SECOND s. (Stream.throttle's token bucket lets bursts through
    // on the real clock: a timer that fires a hair early leaves the balance negative, which it reads as full.)
    Stream.schedule(Schedule.spaced(Duration.millis(1000 / MAX_PROBES_PER_SECOND))),
    Stream.mapEffect((entry) => probeOne(entry, hostTemplate, timeZone), { concurrency: PROBE_CONCURRENCY }),
    Stream.runCollect,
    Effect.map(Chunk.toReadonlyArray)
  )

/** One probe: a points request over the server's own transport and dialect. */
const probeOne = (entry: RosterEntry, hostTemplate: string, timeZone: DateTime.TimeZone): Effect.Effect<ServerStatus, never, Transport> => {
  const base = unprobed(entry, hostTemplate)
  return Effect.gen(function*() {
    const started = yield* Clock.currentTimeNanos
    const outcome = yield* Effect.either(
      askPoints({ host: base.host, port: entry.port, transport: entry.transport, dialect: entry.dialect, timeout: PROBE_TIMEOUT })
    )
    const finished = yield* Clock.currentTimeNanos
    const checked_at = formatTimestamp(yield* DateTime.now, timeZone)
    return outcome._tag === "Right"
      ? { ...base, status: "up" as const, rtt_ms: Math.round(Number(finished - started) / 10_000) / 100, checked_at }
      : { ...base, status: "down" as const, error: outcome.left.message, checked_at }
  })
}
