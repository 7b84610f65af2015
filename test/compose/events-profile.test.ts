import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { LAYOUT_ROSTERS, layoutFile, programOf, readCompose, ROOT } from "../../scripts/compose-layouts.js"
import { BrokerSettings } from "../../src/settings/BrokerSettings.js"
import { RABBITMQ_IMAGE } from "./override.js"

/**
 * Compose's events profile, by its configuration: RabbitMQ (official image, its UI on 127.0.0.1 only, its
 * credentials a secret) and the switch every server and the dashboard carry. test/compose/system.compose.ts
 * runs it for real, on a stand-in from Debian's rabbitmq-server.
 */
const LAYOUTS = ["compose.yml", ...LAYOUT_ROSTERS.map(layoutFile)].map((file) => ({ file, compose: readCompose(file) }))

describe("compose's events profile", () => {
  for (const { compose, file } of LAYOUTS) {
    describe(file, () => {
      const rabbitmq = compose.services["rabbitmq"] as Record<string, any>

      it("runs the official RabbitMQ image in profile events only, its ports on 127.0.0.1, its data in a volume", () => {
        expect(rabbitmq.image).toBe(RABBITMQ_IMAGE)
        expect(rabbitmq.profiles).toEqual(["events"])
        expect(rabbitmq.ports.length).toBeGreaterThan(0)
        for (const port of rabbitmq.ports as Array<string>) expect(port).toMatch(/^127\.0\.0\.1:/)
        expect(rabbitmq.ports.map((port: string) => port.split(":").at(-1))).toEqual(["5672", "15672"])
        expect(rabbitmq.volumes).toContain("rabbitmq-data:/var/lib/rabbitmq")
        expect(Object.keys(compose.volumes as object)).toContain("rabbitmq-data")
      })

      it("gives RabbitMQ its user as a secret in its conf.d, never as a variable", () => {
        expect(rabbitmq.secrets).toEqual([{ source: "rabbitmq_credentials", target: "/etc/rabbitmq/conf.d/20-credentials.conf" }])
        expect(Object.keys(rabbitmq.environment ?? {}).filter((key) => /USER|PASS/.test(key))).toEqual([])
      })

      it("every server and the dashboard carry BROKER_URL_FILE, off unless .env sets it, and the broker_url secret", () => {
        const users = Object.values(compose.services).filter((service) => ["server", "dashboard"].includes(programOf(service) ?? ""))
        expect(users.length).toBeGreaterThan(1)
        for (const service of users) {
          expect(service.environment?.["BROKER_URL_FILE"]).toBe("${BROKER_URL_FILE:-}")
          expect(service.secrets).toContain("broker_url")
        }
      })
    })
  }

  it(".env.example leaves events off and names both switches", () => {
    const example = Fs.readFileSync(Path.join(ROOT, ".env.example"), "utf8")
    expect(example).toMatch(/^BROKER_URL_FILE=$/m)
    expect(example).toContain("COMPOSE_PROFILES=all,events")
    expect(example).toContain("BROKER_URL_FILE=/run/secrets/broker_url")
  })

  it("make-secrets.sh writes RabbitMQ's user and the programs' BROKER_URL from one password, and the URL is a valid setting", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "scoreline-secrets-"))
    try {
      Fs.copyFileSync(Path.join(ROOT, ".env.example"), Path.join(dir, ".env.example"))
      ChildProcess.execFileSync("bash", [Path.join(ROOT, "scripts/make-secrets.sh"), dir], { stdio: "ignore" })
      const secret = (name: string) => Fs.readFileSync(Path.join(dir, "secrets", name), "utf8")
      const password = secret("rabbitmq_password").trim()
      expect(password).toMatch(/^[A-Za-z0-9]{32}$/)
      expect(secret("rabbitmq_credentials")).toBe(`default_user = scoreline\ndefault_pass = ${password}\n`)
      const settings = await Effect.runPromise(Effect.withConfigProvider(
        BrokerSettings,
        ConfigProvider.fromMap(new Map([["BROKER_URL_FILE", Path.join(dir, "secrets", "broker_url")]]))
      ))
      const url = new URL(Redacted.value(Option.getOrThrow(settings).url))
      expect([url.protocol, url.username, url.password, url.hostname, url.port]).toEqual(["amqp:", "scoreline", password, "rabbitmq", "5672"])
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
