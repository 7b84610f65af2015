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

/** "MysqlClient: Failed to connect: Unknown database 'x'": each wrapper's message, down to the driver's. */
export const describeCause = (cause: unknown): string => {
  const messages: Array<string> = []
  for (let current = cause; current !== undefined && messages.length < 5; current = (current as { cause?: unknown }).cause) {
    const message = current instanceof Error || typeof (current as { message?: unknown })?.message === "string"
      ? String((current as { message: string }).message)
      : String(current)
    if (message && !messages.includes(message)) messages.push(message)
    if (typeof current !== "object" || current === null) break
  }
  return messages.join(": ")
}
