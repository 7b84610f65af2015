import { Effect, Option, Schema, Stream } from "effect"
import { type FeedItem, subscribe } from "../layers/BrokerFeed.js"
import { ControlEvent, PointEvent } from "../schema/PointEvent.js"
import type { BrokerConfig } from "../settings/BrokerSettings.js"
import type { WatcherEvent } from "./WatcherState.js"

/** What the watcher takes from the broker: its connection's comings and goings, and the decoded events. */
export type DashboardFeedItem = Exclude<FeedItem, { readonly _tag: "Message" }> | WatcherEvent

const decodePoint = Schema.decodeUnknownOption(Schema.parseJson(PointEvent))
const decodeControl = Schema.decodeUnknownOption(Schema.parseJson(ControlEvent))

/** One message as the watcher's event, by its routing key; anything else is logged and left out. */
const decoded = (routingKey: string, body: string): Effect.Effect<Option.Option<DashboardFeedItem>> => {
  const event: Option.Option<WatcherEvent> = routingKey.startsWith("points.")
    ? Option.map(decodePoint(body), (event) => ({ _tag: "Point", event }))
    : routingKey.startsWith("control.")
    ? Option.map(decodeControl(body), (event) => ({ _tag: "Control", event }))
    : Option.none()
  return Option.isSome(event)
    ? Effect.succeed(event)
    : Effect.as(Effect.logWarning("dashboard ignored a message it cannot read").pipe(Effect.annotateLogs({ routingKey, body })), Option.none())
}

/** Every point and control event of the exchange (its own queue: BrokerFeed), for the dashboard's watcher. */
export const dashboardFeed = (config: BrokerConfig): Stream.Stream<DashboardFeedItem> =>
  subscribe(config, ["points.#", "control.#"]).pipe(
    Stream.mapEffect((item): Effect.Effect<Option.Option<DashboardFeedItem>> =>
      item._tag === "Message" ? decoded(item.routingKey, item.body) : Effect.succeed(Option.some(item))),
    Stream.filterMap((item) => item)
  )

/** The dashboard's `events` option for a program's broker setting: none without a broker (it polls). */
export const eventsOption = (broker: Option.Option<BrokerConfig>): { readonly events?: Stream.Stream<DashboardFeedItem> } =>
  Option.match(broker, { onNone: () => ({}), onSome: (config) => ({ events: dashboardFeed(config) }) })
