import { Config, ConfigError, Either, Option, ParseResult, Redacted, Schema } from "effect"
import { config, optionalConfig } from "../cli/Setting.js"
import { NonEmptyText, withEdges } from "../schema/SettingValues.js"
import { readSecretFile } from "./SecretFile.js"

/** An AMQP URL: `amqp://user:pass@host:5672/vhost` (or `amqps://`). Redacted: it carries a password. */
const AmqpUrl = withEdges(
  Schema.transformOrFail(Schema.String, Schema.RedactedFromSelf(Schema.String), {
    strict: true,
    decode: (text, _, ast) => {
      const url = URL.canParse(text) ? new URL(text) : undefined
      return url !== undefined && (url.protocol === "amqp:" || url.protocol === "amqps:") && url.hostname !== ""
        ? ParseResult.succeed(Redacted.make(text))
        : ParseResult.fail(new ParseResult.Type(ast, "(hidden)", "expected an amqp:// or amqps:// URL with a host"))
    },
    encode: (url) => ParseResult.succeed(Redacted.value(url))
  }),
  ["amqp://guest:guest@127.0.0.1:5672", "amqps://broker.example/scoreline"],
  ["http://127.0.0.1:5672", "amqp://", "not a url"]
)

export const brokerSpecs = {
  url: { env: "BROKER_URL", schema: AmqpUrl, description: "RabbitMQ to publish point-change events to (amqp://user:pass@host:5672/vhost); unset: events off", secret: true },
  urlFile: { env: "BROKER_URL_FILE", schema: NonEmptyText, description: "a file holding BROKER_URL (a Compose or Kubernetes secret); wins over BROKER_URL" },
  exchange: { env: "BROKER_EXCHANGE", schema: NonEmptyText, default: "scoreline.points", description: "the durable topic exchange events go to (routing keys points.<user>, control.<user>)" }
} as const

/** Where events go: nothing when neither BROKER_URL nor BROKER_URL_FILE is set (the default). */
export interface BrokerConfig {
  readonly url: Redacted.Redacted<string>
  readonly exchange: string
}

/** `BROKER_URL_FILE` wins over `BROKER_URL`; the file's content is checked as the variable would be. */
export const BrokerSettings: Config.Config<Option.Option<BrokerConfig>> = Config.all({
  url: optionalConfig(brokerSpecs.url),
  file: optionalConfig(brokerSpecs.urlFile),
  exchange: config(brokerSpecs.exchange)
}).pipe(Config.mapOrFail(({ exchange, file, url }) =>
  Option.match(file, {
    onNone: () => Either.right(Option.map(url, (url) => ({ url, exchange }))),
    onSome: (path) =>
      Either.flatMap(readSecretFile("BROKER_URL_FILE", path), (secret) =>
        Either.map(
          Either.mapLeft(Schema.decodeEither(AmqpUrl)(Redacted.value(secret)), () =>
            ConfigError.InvalidData(["BROKER_URL_FILE"], `${path} does not hold an amqp:// or amqps:// URL with a host`)),
          (url) => Option.some({ url, exchange })
        ))
  })
))
