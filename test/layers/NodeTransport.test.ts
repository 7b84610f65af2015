import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Net from "node:net"
import { type Connection, Transport } from "../../src/layers/Transport.js"
import { tcpExchange } from "../programs/harness.js"

const connectAndReset = (port: number) =>
  new Promise<void>((resolve) => {
    const socket = Net.createConnection({ host: "127.0.0.1", port }, () => {
      socket.resetAndDestroy()
      resolve()
    })
    socket.on("error", () => resolve())
  })

describe("node transport", () => {
  it.scopedLive("survives peers that reset while their connection waits to be served", () =>
    Effect.gen(function*() {
      const transport = yield* Transport
      const listener = yield* transport.listenStream({ host: "127.0.0.1", port: 0 })
      // Connections arrive and reset before anything serves them (in `stack`, while other ports are bound).
      yield* Effect.promise(() => Promise.all(Array.from({ length: 20 }, () => connectAndReset(listener.address.port))))
      yield* Effect.sleep("100 millis")
      const echo = (connection: Connection) =>
        Effect.gen(function*() {
          while (true) {
            const chunk = yield* connection.read
            if (Option.isNone(chunk)) return yield* connection.end
            yield* connection.write(chunk.value)
          }
        })
      yield* Effect.forkScoped(listener.serve(echo))
      // The listener, and this process, are still here for the next client.
      expect(yield* Effect.promise(() => tcpExchange(listener.address.port, "still here", { halfClose: true }))).toBe("still here")
    }).pipe(Effect.provide(Transport.layer)))
})
