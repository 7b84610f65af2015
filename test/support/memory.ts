import { Effect, Option } from "effect"
import type { Connection } from "../../src/layers/Transport.js"

/** Everything the peer sends until it closes its side, as text. */
export const readToEnd = (connection: Connection) =>
  Effect.gen(function*() {
    const decoder = new TextDecoder()
    let text = ""
    while (true) {
      const chunk = yield* connection.read
      if (Option.isNone(chunk)) return text + decoder.decode()
      text += decoder.decode(chunk.value, { stream: true })
    }
  })
