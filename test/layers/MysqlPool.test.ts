import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Db } from "../../src/layers/Db.js"
import { UTC } from "../../src/schema/Timestamp.js"
import { describeMariaDb, mysqlTarget, useTestDatabase } from "../support/mariadb.js"
import { useMariaDbProxy } from "../support/proxy.js"

/**
 * A server reads its row every REFRESH_INTERVAL (1 s): the pool must keep its connection between reads.
 * mysql2 closes the idle connections past `maxIdle` once a second, and @effect/sql-mysql2 sets it to 0, so
 * left alone every read opened a new connection (TCP, handshake, authentication): about two a second for
 * each idle server, and half a megabyte of garbage each.
 */
describeMariaDb("MySQL pool", () => {
  const database = useTestDatabase()
  const proxy = useMariaDbProxy()

  it.live("reads spaced wider than mysql2's idle sweep reuse one connection", () =>
    Effect.gen(function*() {
      const db = yield* Db
      yield* db.ensureUser("pooled")
      const opened = proxy.accepted
      for (let read = 0; read < 3; read++) {
        yield* Effect.sleep("1500 millis") // the sweep runs every second
        yield* db.findUser("pooled")
      }
      expect(proxy.accepted - opened).toBe(0)
    }).pipe(
      Effect.provide(Db.layer({ target: { ...mysqlTarget(database.name), port: proxy.port }, migrate: true, timeZone: UTC }))
    ), 20_000)
})
