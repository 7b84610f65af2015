import * as Dgram from "node:dgram"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { commaReply, type InProcessServer, LOOPBACK, startPointsServer, useCommands, useEmbeddedDb } from "../programs/harness.js"
import { programCommand } from "../support/processes.js"
import { baseSettings, containersOf, envOf, objectsIn, readTree } from "./manifests.js"

/**
 * The UDP servers' exec probe is a real command: run it as the kubelet would, in the container's
 * environment (the settings ConfigMap plus the server's own variables), against a real UDP points server.
 * `node dist/client.mjs` is the bundle the tests' global setup built.
 */
const deployment = objectsIn(readTree(), "base").find((o) => o.kind === "Deployment" && envOf(containersOf(o)[0], "TRANSPORT") === "udp")!
const [container] = containersOf(deployment)
const probeCommand: Array<string> = container.readinessProbe.exec.command

const containerEnv = (port: number): Record<string, string> => ({
  ...baseSettings(),
  ...Object.fromEntries(container.env.filter((v: any) => v.value !== undefined).map((v: any) => [v.name, v.value])),
  SERVER_PORT: String(port)
})

const asRunByNode = (probe: ReadonlyArray<string>, port: number) => {
  expect(probe.slice(0, 2)).toEqual(["node", "dist/client.mjs"])
  const [command, args] = programCommand("client", probe.slice(2).map((arg, i, all) => (all[i - 1] === "--port" ? String(port) : arg)))
  return { command, args }
}

describe("the UDP server's exec probe", () => {
  const db = useEmbeddedDb()
  const run = useCommands()
  let server: InProcessServer
  beforeAll(async () => {
    server = await startPointsServer({ db: db.layer(), transport: "udp" })
  })
  afterAll(() => server?.stop())

  it("succeeds against a UDP points server: it asked over UDP and got the user's points", async () => {
    const probe = run(asRunByNode(probeCommand, server.port), containerEnv(server.port))
    // The container's env sets POLL_INTERVAL: the probe must still ask once and exit, not poll.
    expect(containerEnv(server.port).POLL_INTERVAL).toBe("10")
    expect(await probe.exited, probe.stderr()).toBe(0)
    expect(probe.stdout()).toMatch(commaReply(server.user))
  }, 60_000)

  it("fails when nothing answers on the port", async () => {
    const silent = Dgram.createSocket("udp4")
    await new Promise<void>((resolve) => silent.bind(0, LOOPBACK, resolve))
    try {
      const port = silent.address().port
      const probe = run(asRunByNode(probeCommand, port), containerEnv(port))
      expect(await probe.exited).not.toBe(0)
    } finally {
      silent.close()
    }
  }, 60_000)
})
