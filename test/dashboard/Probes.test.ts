import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { Transport, TransportError } from "../../src/layers/Transport.js"
import { MAX_PROBES_PER_SECOND, PROBE_CONCURRENCY, probeServers } from "../../src/dashboard/Probes.js"
import type { RosterEntry } from "../../src/schema/Roster.js"
import { UTC } from "../../src/schema/Timestamp.js"

/** A roster of `size` TCP servers, none of them up. */
const roster = (size: number): ReadonlyArray<RosterEntry> =>
  Array.from({ length: size }, (_, i) => ({ user: `user${i}`, transport: "tcp", port: 40_000 + i, dialect: "REQUEST_LATEST_POINTS" }))

describe("the dashboard's probes", () => {
  it.effect("go out at most MAX_PROBES_PER_SECOND a second and PROBE_CONCURRENCY at once, whatever the roster's size", () =>
    Effect.gen(function*() {
      let started = 0
      let open = 0
      let mostOpen = 0
      // Every connection attempt takes 100 ms (TestClock time), then is refused.
      const slowRefusals = Transport.of({
        connect: (address) =>
          Effect.acquireUseRelease(
            Effect.sync(() => {
              started++
              mostOpen = Math.max(mostOpen, ++open)
            }),
            () => Effect.zipRight(Effect.sleep("100 millis"), Effect.fail(new TransportError({ reason: "Connect", address: `${address.host}:${address.port}` }))),
            () => Effect.sync(() => open--)
          ),
        listenStream: () => Effect.die("unused"),
        listenDatagram: () => Effect.die("unused"),
        exchange: () => Effect.die("unused")
      })
      const servers = roster(1_000)
      const round = yield* Effect.fork(probeServers(servers, "127.0.0.1", UTC).pipe(Effect.provideService(Transport, slowRefusals)))
      for (let second = 1; second <= 5; second++) {
        yield* TestClock.adjust("1 second")
        expect(started).toBeLessThanOrEqual(MAX_PROBES_PER_SECOND * second + 1)
      }
      yield* TestClock.adjust("10 seconds")
      const statuses = yield* Fiber.join(round)
      expect(statuses.map((status) => status.status)).toEqual(servers.map(() => "down"))
      expect(started).toBe(servers.length)
      expect(mostOpen).toBeLessThanOrEqual(PROBE_CONCURRENCY)
      expect(mostOpen).toBeGreaterThan(1)
    }))
})
