// Point-change events through the real RabbitMQ (docs/EVENTS.md): a stack of many users ticking at once, its
// outbox publishing, and a consumer of the bench's own on the exchange. Beside it, in the same run, the
// reference: amqplib publishing the same number of same-sized messages a second straight to the broker with
// confirms, which is what the broker and the client library cost with no outbox, ledger or database at all.
import amqp from "amqplib"
import { randomBytes } from "node:crypto"
import type { BenchDatabase } from "./database.js"
import { percentile, writeRoster } from "./classStack.js"
import { sleep } from "./procs.js"
import { listeningPorts, startScoreline } from "./scenarios.js"

export const BROKER_URL = process.env.RABBITMQ_TEST_URL ?? "amqp://guest:guest@127.0.0.1:5672"

/** Why the events row cannot run here (no broker answering at BROKER_URL), or undefined when it can. */
export const brokerAway = async (): Promise<string | undefined> => {
  try {
    await (await amqp.connect(BROKER_URL)).close()
    return undefined
  } catch (error) {
    return `no RabbitMQ at ${BROKER_URL.replace(/\/\/[^@]*@/, "//")}: ${error instanceof Error ? error.message : String(error)}`
  }
}

export interface EventsLatency {
  readonly events_per_s: number
  /** From each slot's boundary (the moment its interval starts) to the consumer's receipt. */
  readonly p50_ms: number
  readonly p99_ms: number
  readonly received: number
}

export interface EventsResult {
  readonly users: number
  readonly update_interval_s: number
  readonly seconds: number
  readonly scoreline: EventsLatency & { readonly duplicates: number; readonly owed_at_end: number }
  readonly reference: EventsLatency
}

/** A consumer on `exchange` (an exclusive queue bound to points.#) that notes each message's id and receipt time. */
const consumer = async (exchange: string) => {
  const connection = await amqp.connect(BROKER_URL)
  const channel = await connection.createChannel()
  await channel.assertExchange(exchange, "topic", { durable: true })
  const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true })
  await channel.bindQueue(queue, exchange, "points.#")
  const received: Array<{ id: string; slot: number; at: number }> = []
  await channel.consume(queue, (message) => {
    if (message === null) return
    const body = JSON.parse(message.content.toString()) as { slot: number }
    received.push({ id: String(message.properties.messageId), slot: body.slot, at: Date.now() })
  }, { noAck: true })
  return {
    received,
    close: async () => {
      await channel.deleteExchange(exchange).catch(() => undefined)
      await connection.close()
    }
  }
}

const latencies = (received: ReadonlyArray<{ slot: number; at: number }>, intervalMs: number, seconds: number): EventsLatency => {
  const delays = received.map((m) => m.at - m.slot * intervalMs)
  return { events_per_s: received.length / seconds, p50_ms: percentile(delays, 50), p99_ms: percentile(delays, 99), received: received.length }
}

/**
 * `users` servers in one stack at UPDATE_INTERVAL=1 publishing for `seconds`; then the reference at the rate the
 * stack reached, each batch published at its slot's boundary as a tick would be.
 */
export const eventsRows = async (db: BenchDatabase, tempDir: string, users: number, seconds: number, log: (text: string) => void): Promise<EventsResult> => {
  const intervalMs = 1000
  const exchange = `scoreline.bench.${randomBytes(4).toString("hex")}`
  const ours = await consumer(exchange)
  const roster = await writeRoster(tempDir, users, "events")
  const database = await db.connect()
  const stack = startScoreline("stack events", "stack", {
    ...database.env,
    ROSTER: roster.file,
    SERVER_HOST: "127.0.0.1",
    UPDATE_INTERVAL: String(intervalMs / 1000),
    STACK_CLIENTS: "false",
    STACK_ECHO: "false",
    STACK_MESSAGES: "false",
    STACK_DASHBOARD: "false",
    BROKER_URL,
    BROKER_EXCHANGE: exchange
  })
  let scoreline: EventsResult["scoreline"]
  try {
    await listeningPorts(stack, users)
    // A few intervals to settle (first claims, the broker connection), then the measured window.
    await sleep(3000)
    const from = Date.now()
    await sleep(seconds * 1000)
    const window = ours.received.filter((m) => m.at >= from && m.at < from + seconds * 1000)
    await stack.stop()
    const ids = ours.received.map((m) => m.id)
    const owed = await db.query<{ n: number }>(database.env, "SELECT COUNT(*) AS n FROM point_ticks WHERE event_owed = 1")
    scoreline = { ...latencies(window, intervalMs, seconds), duplicates: ids.length - new Set(ids).size, owed_at_end: Number(owed[0]?.n ?? 0) }
    log(`events: scoreline ${scoreline.events_per_s.toFixed(1)}/s, p50 ${scoreline.p50_ms} ms, p99 ${scoreline.p99_ms} ms`)
  } finally {
    await stack.stop()
    await ours.close()
  }

  // The reference: one confirm channel, `users` messages of the same shape at each boundary.
  const exchange2 = `${exchange}.ref`
  const theirs = await consumer(exchange2)
  const connection = await amqp.connect(BROKER_URL)
  try {
    const channel = await connection.createConfirmChannel()
    await channel.assertExchange(exchange2, "topic", { durable: true })
    const firstSlot = Math.floor(Date.now() / intervalMs) + 1
    for (let slot = firstSlot; slot < firstSlot + seconds; slot++) {
      await sleep(Math.max(0, slot * intervalMs - Date.now()))
      for (let i = 0; i < users; i++) {
        const body = { user: `ref_${i}`, slot, points: 1, total: slot - firstSlot + 1, recorded_at: "2026-12-04 00:00:00" }
        channel.publish(exchange2, `points.ref_${i}`, Buffer.from(JSON.stringify(body)), { contentType: "application/json", persistent: true, messageId: `ref_${i}:${slot}` })
      }
      await channel.waitForConfirms()
    }
    await sleep(1000)
    const reference = latencies(theirs.received, intervalMs, seconds)
    log(`events: reference ${reference.events_per_s.toFixed(1)}/s, p50 ${reference.p50_ms} ms, p99 ${reference.p99_ms} ms`)
    return { users, update_interval_s: intervalMs / 1000, seconds, scoreline, reference }
  } finally {
    await connection.close()
    await theirs.close()
  }
}
