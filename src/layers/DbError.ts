import { Data } from "effect"

export class DbError extends Data.TaggedError("DbError")<{
  readonly reason: "Connect" | "Query"
  readonly cause: unknown
}> {
  override get message() {
    const detail = describeCause(this.cause)
    return this.reason === "Connect" ? `cannot reach the database: ${detail}` : `database query failed: ${detail}`
  }
}

/** A cause and the causes it wraps (`cause.cause`…), outermost first, at most five deep. */
const causeChain = (cause: unknown): ReadonlyArray<unknown> => {
  const chain: Array<unknown> = []
  for (let current = cause; current !== undefined && chain.length < 5; current = (current as { cause?: unknown }).cause) {
    chain.push(current)
    if (typeof current !== "object" || current === null) break
  }
  return chain
}

/** "MysqlClient: Failed to connect: Unknown database 'x'": each wrapper's message, down to the driver's. */
export const describeCause = (cause: unknown): string => {
  const messages: Array<string> = []
  for (const current of causeChain(cause)) {
    const message = current instanceof Error || typeof (current as { message?: unknown })?.message === "string"
      ? String((current as { message: string }).message)
      : String(current)
    if (message && !messages.includes(message)) messages.push(message)
  }
  return messages.join(": ")
}

/** The driver's error code somewhere in a cause chain (mysql2 sets `code`, e.g. ER_BAD_DB_ERROR). */
export const driverCode = (cause: unknown): string | undefined => {
  for (const current of causeChain(cause)) {
    const code = typeof current === "object" && current !== null ? (current as { code?: unknown }).code : undefined
    if (typeof code === "string") return code
  }
  return undefined
}
