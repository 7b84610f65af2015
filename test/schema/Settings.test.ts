import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Duration, Effect, Either, Redacted, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { DbSettings } from "../../src/settings/DbSettings.js"
import { formatTimestamp, zoneName } from "../../src/schema/Timestamp.js"
import { config } from "../../src/cli/Setting.js"
import { Port, Seconds } from "../../src/schema/SettingValues.js"
import { Retention } from "../../src/settings/PointsSettings.js"

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("settings", () => {
  it.effect("defaults to the embedded database in UTC with migrations on", () =>
    Effect.gen(function*() {
      const settings = yield* DbSettings.pipe(withEnv({}))
      expect(settings.target).toEqual({ _tag: "Embedded", file: "data/scoreline.db" })
      expect(settings.migrate).toBe(true)
      expect(zoneName(settings.timeZone)).toBe("UTC")
      expect(Duration.toSeconds(settings.connectTimeout)).toBe(30)
    }))

  it.effect("reads UTC as a fixed offset (no Intl, no ICU data) that stamps what the IANA zone stamps", () =>
    Effect.gen(function*() {
      const instant = DateTime.unsafeMake("2026-03-29T01:30:05Z")
      for (const spelling of ["UTC", "utc", "Etc/UTC"]) {
        const settings = yield* DbSettings.pipe(withEnv({ TIME_ZONE: spelling }))
        expect(DateTime.isTimeZoneOffset(settings.timeZone)).toBe(true)
        expect(zoneName(settings.timeZone)).toBe("UTC")
        expect(formatTimestamp(instant, settings.timeZone)).toBe(formatTimestamp(instant, DateTime.zoneUnsafeMakeNamed("UTC")))
      }
      const tokyo = yield* DbSettings.pipe(withEnv({ TIME_ZONE: "Asia/Tokyo" }))
      expect([zoneName(tokyo.timeZone), formatTimestamp(instant, tokyo.timeZone)]).toEqual(["Asia/Tokyo", "2026-03-29 10:30:05"])
    }))

  it.effect("chooses MySQL when DB_HOST is set, reading the password from DB_PASS_FILE first", () =>
    Effect.gen(function*() {
      const secret = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-secret-")), "db_password")
      Fs.writeFileSync(secret, "s3cret\n")
      const settings = yield* DbSettings.pipe(withEnv({ DB_HOST: "db", DB_PASS: "ignored", DB_PASS_FILE: secret, DB_NAME: "itt440" }))
      expect(settings.target._tag).toBe("Mysql")
      if (settings.target._tag !== "Mysql") return
      expect(Redacted.value(settings.target.password)).toBe("s3cret")
      expect([settings.target.host, settings.target.port, settings.target.user, settings.target.database]).toEqual(["db", 3306, "root", "itt440"])
    }))

  it.effect("names the variable at fault", () =>
    Effect.gen(function*() {
      const failure = (env: Record<string, string>) =>
        Effect.map(Effect.either(DbSettings.pipe(withEnv(env))), (result) => (Either.isLeft(result) ? String(result.left) : "accepted"))
      expect(yield* failure({ DB_HOST: "db", DB_PORT: "x" })).toMatch(/DB_PORT.*expected a port number from 0 to 65535, got "x"/)
      expect(yield* failure({ TIME_ZONE: "Mars/Olympus" })).toMatch(/TIME_ZONE.*unknown time zone "Mars\/Olympus"/)
      expect(yield* failure({ DB_HOST: "db", DB_PASS_FILE: "/nonexistent/secret" })).toMatch(/DB_PASS_FILE.*cannot read \/nonexistent\/secret/)
      expect(yield* failure({ DB_MIGRATE: "maybe" })).toMatch(/DB_MIGRATE.*expected true or false/)
    }))

  it.effect("decodes ports, fractional seconds and required values", () =>
    Effect.gen(function*() {
      const read = <A>(schema: Schema.Schema<A, string>, text?: string) =>
        Effect.either(config({ env: "SERVER_PORT", schema, description: "port" }).pipe(withEnv(text === undefined ? {} : { SERVER_PORT: text })))
      expect(yield* read(Port, "5001")).toEqual(Either.right(5001))
      expect(Either.isLeft(yield* read(Port, "65536"))).toBe(true)
      expect(Either.map(yield* read(Seconds, "0.25"), Duration.toMillis)).toEqual(Either.right(250))
      expect(Either.isLeft(yield* read(Seconds, "0"))).toBe(true)
      const missing = yield* read(Port)
      expect(Either.isLeft(missing) && String(missing.left)).toMatch(/SERVER_PORT: "?is required but not set/)
    }))
})

describe("HISTORY_RETENTION", () => {
  const decode = Schema.decodeEither(Retention)
  it("takes a number with a unit (s, m, h, d) or bare seconds", () => {
    expect(Either.map(decode("7d"), Duration.toMillis)).toEqual(Either.right(7 * 86_400_000))
    expect(Either.map(decode("12h"), Duration.toMillis)).toEqual(Either.right(12 * 3_600_000))
    expect(Either.map(decode("30m"), Duration.toMillis)).toEqual(Either.right(1_800_000))
    expect(Either.map(decode("3600"), Duration.toMillis)).toEqual(Either.right(3_600_000))
  })
  it.effect("refuses nonsense and zero, naming the setting", () =>
    Effect.gen(function*() {
      for (const bad of ["soon", "0", "-1d", "7 weeks"]) {
        const result = yield* Effect.either(config({ env: "HISTORY_RETENTION", schema: Retention, default: "7d", description: "retention" }).pipe(withEnv({ HISTORY_RETENTION: bad })))
        expect(Either.isLeft(result) && String(result.left)).toMatch(/HISTORY_RETENTION.*expected a duration above 0/)
      }
    }))
})
