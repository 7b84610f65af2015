import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Either, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { Roster, RosterFromJson } from "../../src/schema/Roster.js"
import { loadRoster, SHIPPED_ROSTERS } from "../../src/settings/RosterFile.js"

/** Rosters: the schema's rules, and ROSTER as a shipped name or a file, each failure one line naming ROSTER. */
const decode = Schema.decodeUnknownEither(Roster)
const entry = (user: string, port: number, transport = "tcp") => ({ user, transport, port })
const roster = (servers: ReadonlyArray<unknown>) => ({ name: "t", description: "a test", servers })
const load = (source: string) => Effect.runPromise(Effect.either(loadRoster(source)).pipe(Effect.provide(NodeFileSystem.layer)))

describe("a roster", () => {
  it("takes the defaults: the seed 002 dialect, no pointsPerTick or group", () => {
    const decoded = Either.getOrThrow(decode(roster([entry("ana", 5001)])))
    expect(decoded.servers[0]).toEqual({ user: "ana", transport: "tcp", port: 5001, dialect: "REQUEST_LATEST_POINTS" })
  })

  it("refuses a user twice, two servers on one transport and port, and no server at all", () => {
    expect(Either.isLeft(decode(roster([entry("ana", 5001), entry("ana", 5002)])))).toBe(true)
    expect(Either.isLeft(decode(roster([entry("ana", 5001), entry("bo", 5001)])))).toBe(true)
    expect(Either.isLeft(decode(roster([])))).toBe(true)
    // The same port on the other transport is another endpoint.
    expect(Either.isRight(decode(roster([entry("ana", 5001), entry("bo", 5001, "udp")])))).toBe(true)
  })

  it("bounds the port, pointsPerTick and the group's spelling", () => {
    for (const port of [0, 65536, 1.5]) expect(Either.isLeft(decode(roster([entry("ana", port)]))), String(port)).toBe(true)
    for (const port of [1, 65535]) expect(Either.isRight(decode(roster([entry("ana", port)]))), String(port)).toBe(true)
    expect(Either.isLeft(decode(roster([{ ...entry("ana", 1), pointsPerTick: 0 }])))).toBe(true)
    expect(Either.isRight(decode(roster([{ ...entry("ana", 1), pointsPerTick: 10, group: "python" }])))).toBe(true)
    for (const group of ["Python", "1c", "a".repeat(32), ""]) expect(Either.isLeft(decode(roster([{ ...entry("ana", 1), group }]))), group).toBe(true)
    expect(Either.isRight(decode(roster([{ ...entry("ana", 1), group: "a".repeat(31) }])))).toBe(true)
  })
})

describe("ROSTER", () => {
  it("names a shipped layout, each of which decodes", async () => {
    for (const name of Object.keys(SHIPPED_ROSTERS)) {
      const loaded = await load(name)
      expect(Either.isRight(loaded), name).toBe(true)
    }
    expect(Object.keys(SHIPPED_ROSTERS).sort()).toEqual(["seed000", "seed001", "seed002"])
  })

  it("refuses an unknown name, listing the shipped ones", async () => {
    const loaded = await load("seed999")
    expect(Either.isLeft(loaded) && loaded.left.message).toBe("ROSTER seed999: no such roster (shipped: seed000, seed001, seed002; or give a path to a .json file)")
  })

  it("reads a .json path; a missing file or a bad roster is one line naming ROSTER and the file", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-roster-"))
    try {
      const good = Path.join(dir, "class.json")
      Fs.writeFileSync(good, JSON.stringify(roster([entry("ana", 5001)])))
      const loaded = await load(good)
      expect(Either.isRight(loaded) && loaded.right.servers.map((s) => s.user)).toEqual(["ana"])
      const missing = await load(Path.join(dir, "none.json"))
      expect(Either.isLeft(missing) && missing.left.message).toBe(`ROSTER ${Path.join(dir, "none.json")}: cannot read ${Path.join(dir, "none.json")}`)
      const bad = Path.join(dir, "bad.json")
      Fs.writeFileSync(bad, JSON.stringify(roster([entry("ana", 5001), entry("ana", 5002)])))
      const refused = await load(bad)
      expect(Either.isLeft(refused) && refused.left.message).toMatch(new RegExp(`^ROSTER ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*every user appears once`))
      expect(Either.isLeft(refused) && refused.left.message.includes("\n")).toBe(false)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("decodes the JSON text form as the files are read", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(RosterFromJson)("{not json"))).toBe(true)
  })
})
