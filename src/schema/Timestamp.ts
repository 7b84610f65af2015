import { DateTime, Option, ParseResult, Schema } from "effect"

/**
 * The seeds' DATETIME text, `YYYY-MM-DD HH:MM:SS`. Points rows store it and replies carry it verbatim, so a
 * reader in any `TZ` sees exactly what the database holds.
 */
export const Timestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
  Schema.brand("Timestamp"),
  Schema.annotations({ identifier: "Timestamp", description: "YYYY-MM-DD HH:MM:SS in the configured time zone" })
)
export type Timestamp = typeof Timestamp.Type

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** Formats an instant as a `Timestamp` on the wall clock of `zone`. */
export const formatTimestamp = (instant: DateTime.DateTime, zone: DateTime.TimeZone): Timestamp => {
  const p = DateTime.toParts(DateTime.setZone(instant, zone))
  return Timestamp.make(
    `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hours)}:${pad(p.minutes)}:${pad(p.seconds)}`
  )
}

/** A time zone setting: an IANA name (`Asia/Kuala_Lumpur`), `UTC`, or an offset (`+08:00`). */
export const TimeZoneFromString = Schema.transformOrFail(Schema.String, Schema.TimeZoneFromSelf, {
  strict: true,
  decode: (name, _, ast) =>
    Option.match(DateTime.zoneFromString(name), {
      onNone: () => ParseResult.fail(new ParseResult.Type(ast, name, `unknown time zone "${name}"`)),
      onSome: ParseResult.succeed
    }),
  encode: (zone) => ParseResult.succeed(DateTime.zoneToString(zone))
})
