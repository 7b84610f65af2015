import * as Fs from "node:fs"
import * as Path from "node:path"
import { expect, it } from "vitest"
import { eventually, httpPortOf, uniqueUser, usePrograms, useTempDir } from "../programs/harness.js"
import { freePort, stopWith } from "../support/processes.js"
import { consume, describeRabbitMq, exchangeName, RABBITMQ_URL } from "../support/rabbitmq.js"

/**
 * The stack with BROKER_URL, on its embedded database: every roster server's intervals go out as events, its
 * dashboard follows them, and a pause from its dashboard goes out as a control event (one broker connection
 * for the outbox and the control events, another for the dashboard's queue: src/programs/stack.ts).
 */
describeRabbitMq("the stack on events", () => {
  const start = usePrograms()
  const dir = useTempDir()

  it("publishes every roster server's intervals, follows them on its dashboard, and publishes its control events", async () => {
    const exchange = exchangeName()
    const { close, received } = await consume(exchange)
    try {
      const users = [uniqueUser("stk"), uniqueUser("stk")]
      const roster = Path.join(dir.path, "roster.json")
      Fs.writeFileSync(roster, JSON.stringify({
        name: "events",
        description: "two servers",
        servers: [{ user: users[0], transport: "tcp", port: await freePort() }, { user: users[1], transport: "udp", port: await freePort() }]
      }))
      const stack = start("stack", {
        ROSTER: roster, SERVER_HOST: "127.0.0.1", DB_FILE: Path.join(dir.path, "stack.db"), UPDATE_INTERVAL: "1", HTTP_PORT: "0", HTTP_HOST: "127.0.0.1",
        STACK_ECHO: "false", STACK_MESSAGES: "false", STACK_CLIENTS: "false", ADMIN_TOKEN: "t0ken", BROKER_URL: RABBITMQ_URL, BROKER_EXCHANGE: exchange
      })
      const port = await httpPortOf(stack)
      await stack.waitFor(/dashboard follows the broker's events/, 20_000)
      await eventually("point events from both servers", async () =>
        users.every((user) => received.some((m) => m.routingKey === `points.${user}`)) ? true : undefined, 20_000)
      // The dashboard shows what the events said.
      await eventually("both users on the dashboard", async () => {
        const body = await (await fetch(`http://127.0.0.1:${port}/api/users`)).text()
        return users.every((user) => body.includes(`"${user}"`)) ? true : undefined
      })
      const toggled = await fetch(`http://127.0.0.1:${port}/api/users/${users[0]}/toggle`, { method: "POST", headers: { authorization: "Bearer t0ken" } })
      expect(toggled.status).toBe(200)
      await eventually("the pause as a control event", async () =>
        received.some((m) => m.routingKey === `control.${users[0]}` && m.body.action === "pause") ? true : undefined)
      expect((await stopWith(stack)).code).toBe(0)
      expect(stack.stderr()).not.toMatch(/level=ERROR|error:/)
    } finally {
      await close()
    }
  }, 60_000)
})
