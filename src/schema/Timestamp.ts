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

/**
 * UTC as a fixed offset, not an IANA zone: offset zones format without `Intl`, so a program on the default
 * zone never touches ICU's data (about 8 MB of resident memory a process keeps once it has).
 */
export const UTC: DateTime.TimeZone = DateTime.zoneMakeOffset(0)

const UTC_NAMES = new Set(["utc", "etc/utc"])

/** A zone as the setting spells it: `UTC`, an IANA name, or an offset such as `+08:00`. */
export const zoneName = (zone: DateTime.TimeZone): string =>
  DateTime.isTimeZoneOffset(zone) && zone.offset === 0 ? "UTC" : DateTime.zoneToString(zone)

/** A time zone setting: an IANA name (`Asia/Kuala_Lumpur`), `UTC`, or an offset (`+08:00`). */
export const TimeZoneFromString = Schema.transformOrFail(Schema.String, Schema.TimeZoneFromSelf, {
  strict: true,
  decode: (name, _, ast) =>
    UTC_NAMES.has(name.toLowerCase())
      ? ParseResult.succeed(UTC)
      : Option.match(DateTime.zoneFromString(name), {
        onNone: () => ParseResult.fail(new ParseResult.Type(ast, name, `unknown time zone "${name}"`)),
        onSome: ParseResult.succeed
      }),
  encode: (zone) => ParseResult.succeed(zoneName(zone))
})
