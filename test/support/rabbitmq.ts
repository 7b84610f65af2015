import amqp from "amqplib"
import { randomBytes } from "node:crypto"
import { describe } from "vitest"

/** RabbitMQ as this machine and CI run it: 127.0.0.1:5672, guest/guest, vhost `/`. */
export const RABBITMQ_URL = process.env.RABBITMQ_TEST_URL ?? "amqp://guest:guest@127.0.0.1:5672"

const probe = async (): Promise<string | undefined> => {
  try {
    const connection = await amqp.connect(RABBITMQ_URL)
    await connection.close()
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

const unavailable = await probe()
if (unavailable !== undefined) {
  if (process.env.CI === "true") {
    throw new Error(`CI=true but RabbitMQ at ${RABBITMQ_URL} is not reachable: ${unavailable}. Start it (rabbitmq-server -detached).`)
  }
  console.warn(`skipping the RabbitMQ tests: ${RABBITMQ_URL} is not reachable (${unavailable}); in CI this is a failure.`)
}

/** A test's own exchange name: tests run side by side on one broker. */
export const exchangeName = () => `scoreline.test.${randomBytes(4).toString("hex")}`
/** RABBITMQ_URL through another port (a proxy in front of the broker). */
export const viaPort = (port: number) => RABBITMQ_URL.replace(/:\d+(\/|$)/, `:${port}$1`)

/** `describe`, skipped (with the warning above) when RabbitMQ is not there outside CI. */
export const describeRabbitMq = describe.skipIf(unavailable !== undefined)

/** One received message: its routing key, id and parsed body. */
export interface Received {
  readonly routingKey: string
  readonly messageId: string
  readonly contentType: string | undefined
  readonly persistent: boolean
  readonly body: any
}

/**
 * A consumer of its own on `exchange` (declared too: a consumer may start first), with an exclusive queue
 * bound to `pattern`; what it receives is in `received`.
 */
export const consume = async (exchange: string, pattern = "#") => {
  const connection = await amqp.connect(RABBITMQ_URL)
  const channel = await connection.createChannel()
  await channel.assertExchange(exchange, "topic", { durable: true })
  const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true })
  await channel.bindQueue(queue, exchange, pattern)
  const received: Array<Received> = []
  await channel.consume(queue, (message) => {
    if (message === null) return
    received.push({
      routingKey: message.fields.routingKey,
      messageId: String(message.properties.messageId),
      contentType: message.properties.contentType,
      persistent: message.properties.deliveryMode === 2,
      body: JSON.parse(message.content.toString("utf8"))
    })
  }, { noAck: true })
  return {
    received,
    close: async () => {
      await connection.close().catch(() => undefined)
      // The exchange is the test's own: leave nothing behind.
      const admin = await amqp.connect(RABBITMQ_URL)
      const ch = await admin.createChannel()
      await ch.deleteExchange(exchange).catch(() => undefined)
      await admin.close().catch(() => undefined)
    }
  }
}
