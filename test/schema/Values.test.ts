import { describe, expect, it } from "@effect/vitest"
import { ConfigError, ConfigProvider, DateTime, Duration, Effect, Either, Option, Redacted, Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { concatBytes, sameBytes, toBytes } from "../../src/schema/Bytes.js"
import { dnsLabelOf } from "../../src/schema/DnsLabel.js"
import { Flag } from "../../src/schema/SettingValues.js"
import { zoneName } from "../../src/schema/Timestamp.js"
import { BrokerSettings } from "../../src/settings/BrokerSettings.js"
import { adminTokenOf } from "../../src/settings/DashboardSettings.js"
import { Retention, serverTls } from "../../src/settings/PointsSettings.js"
import { useTempDir } from "../programs/harness.js"

/** The small pure values the settings and protocols are built from, each case by itself (fast, in-process). */

const scratch = useTempDir()
const file = (name: string, text: string) => {
  const path = Path.join(scratch.path, name)
  Fs.writeFileSync(path, text)
  return path
}
const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("dnsLabelOf: a user's name as a DNS label", () => {
  it.each([
    ["Afif", "afif"],
    ["c_user-azmeer", "c-user-azmeer"],
    ["a__b..c", "a-b-c"],
    ["_x_", "x"],
    ["--x--", "x"],
    ["ikhwan", "ikhwan"],
    ["Jerry2", "jerry2"]
  ])("%s → %s", (user, label) => {
    expect(dnsLabelOf(user)).toBe(label)
  })
})

describe("bytes", () => {
  it("concatBytes joins the parts in order, skips empty ones, and hands back a lone part as it is", () => {
    const one = toBytes("abc")
    expect(concatBytes([new Uint8Array(), one, new Uint8Array()])).toBe(one)
    expect(new TextDecoder().decode(concatBytes([toBytes("ab"), new Uint8Array(), toBytes("cd"), toBytes("e")]))).toBe("abcde")
    expect(concatBytes([])).toEqual(new Uint8Array())
  })

  it("sameBytes is true only for the same bytes in the same order and length", () => {
    expect(sameBytes(toBytes("abc"), toBytes("abc"))).toBe(true)
    expect(sameBytes(new Uint8Array(), new Uint8Array())).toBe(true)
    expect(sameBytes(toBytes("abc"), toBytes("abd"))).toBe(false)
    expect(sameBytes(toBytes("abc"), toBytes("cba"))).toBe(false)
    expect(sameBytes(toBytes("abc"), toBytes("ab"))).toBe(false)
    expect(sameBytes(toBytes("ab"), toBytes("abc"))).toBe(false)
  })
})

describe("Flag: on or off", () => {
  const decode = Schema.decodeEither(Flag)
  it.each(["true", "1", "yes", "on", "TRUE", "On"])("%s is on", (text) => expect(decode(text)).toEqual(Either.right(true)))
  it.each(["false", "0", "no", "off", "FALSE", "Off"])("%s is off", (text) => expect(decode(text)).toEqual(Either.right(false)))
  it.each(["truex", "xtrue", "no!", "ofF2", "", "2"])("%s is refused", (text) => expect(Either.isLeft(decode(text))).toBe(true))
  it("encodes as true and false", () => {
    expect(Schema.encodeSync(Flag)(true)).toBe("true")
    expect(Schema.encodeSync(Flag)(false)).toBe("false")
  })
})

describe("HISTORY_RETENTION's fractions", () => {
  it("takes a fraction of a unit, and refuses a dot without digits", () => {
    const decode = Schema.decodeEither(Retention)
    expect(Either.map(decode("1.5h"), Duration.toMillis)).toEqual(Either.right(5_400_000))
    expect(Either.map(decode("0.25d"), Duration.toMillis)).toEqual(Either.right(21_600_000))
    expect(Either.isLeft(decode("1.h"))).toBe(true)
    expect(Either.isLeft(decode("1.xh"))).toBe(true)
  })
})

describe("zoneName", () => {
  it("calls the zero offset UTC, and names other offsets and zones as they are", () => {
    expect(zoneName(DateTime.zoneMakeOffset(0))).toBe("UTC")
    expect(zoneName(DateTime.zoneMakeOffset(8 * 3_600_000))).toBe("+08:00")
    expect(zoneName(DateTime.zoneUnsafeMakeNamed("Asia/Tokyo"))).toBe("Asia/Tokyo")
  })
})

describe("TLS: both files or neither", () => {
  const some = Option.some("pem")
  it.effect("both give the identity, neither none; one alone names the other", () =>
    Effect.gen(function*() {
      expect(yield* serverTls({ tlsCert: Option.some("cert"), tlsKey: Option.some("key") })).toEqual({ cert: "cert", key: "key" })
      expect(yield* serverTls({ tlsCert: Option.none(), tlsKey: Option.none() })).toBeUndefined()
      const keyMissing = yield* Effect.flip(serverTls({ tlsCert: some, tlsKey: Option.none() }))
      expect(keyMissing).toEqual(ConfigError.InvalidData(["TLS_KEY_FILE"], "TLS_CERT_FILE and TLS_KEY_FILE are set together or not at all"))
      const certMissing = yield* Effect.flip(serverTls({ tlsCert: Option.none(), tlsKey: some }))
      expect(certMissing).toEqual(ConfigError.InvalidData(["TLS_CERT_FILE"], "TLS_CERT_FILE and TLS_KEY_FILE are set together or not at all"))
    }))
})

describe("secrets from files", () => {
  it.effect("ADMIN_TOKEN_FILE wins over ADMIN_TOKEN, without its trailing newline; an unreadable one names the setting", () =>
    Effect.gen(function*() {
      const plain = Redacted.make("plain")
      expect(Redacted.value(yield* adminTokenOf({ adminToken: plain, adminTokenFile: "" }))).toBe("plain")
      expect(Redacted.value(yield* adminTokenOf({ adminToken: plain, adminTokenFile: file("token", "from-file\n") }))).toBe("from-file")
      const missing = yield* Effect.flip(adminTokenOf({ adminToken: plain, adminTokenFile: Path.join(scratch.path, "absent") }))
      expect(String(missing)).toMatch(/ADMIN_TOKEN_FILE.*cannot read/)
    }))

  it.effect("BROKER_URL_FILE wins over BROKER_URL, is checked as the URL is, and names itself when it is wrong", () =>
    Effect.gen(function*() {
      expect(yield* BrokerSettings.pipe(withEnv({}))).toEqual(Option.none())
      const plain = yield* BrokerSettings.pipe(withEnv({ BROKER_URL: "amqp://a:b@host:5672" }))
      expect(Option.map(plain, (broker) => [Redacted.value(broker.url), broker.exchange])).toEqual(Option.some(["amqp://a:b@host:5672", "scoreline.points"]))
      const fromFile = yield* BrokerSettings.pipe(withEnv({
        BROKER_URL: "amqp://a:b@host:5672",
        BROKER_URL_FILE: file("broker_url", "amqp://c:d@broker:5672/vhost\n"),
        BROKER_EXCHANGE: "mine"
      }))
      expect(Option.map(fromFile, (broker) => [Redacted.value(broker.url), broker.exchange])).toEqual(Option.some(["amqp://c:d@broker:5672/vhost", "mine"]))
      const notAUrl = yield* Effect.flip(BrokerSettings.pipe(withEnv({ BROKER_URL_FILE: file("bad_url", "http://c:secret@broker\n") })))
      expect(notAUrl).toEqual(ConfigError.InvalidData(["BROKER_URL_FILE"], `${Path.join(scratch.path, "bad_url")} does not hold an amqp:// or amqps:// URL with a host`))
      expect(String(notAUrl)).not.toContain("secret")
      const unreadable = yield* Effect.flip(BrokerSettings.pipe(withEnv({ BROKER_URL_FILE: Path.join(scratch.path, "absent") })))
      expect(String(unreadable)).toMatch(/BROKER_URL_FILE.*cannot read/)
    }))
})
