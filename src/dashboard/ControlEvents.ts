import { Duration, Effect, Option, Schema } from "effect"
import type { BrokerShape } from "../layers/Broker.js"
import { ControlEvent } from "../schema/PointEvent.js"

/** How long a control write's answer may wait for the broker's confirm before it gives up on the event. */
export const CONTROL_CONFIRM_TIMEOUT = Duration.seconds(2)

/** Publishes a reset, pause or resume; never fails, so the write it follows is answered either way. */
export type PublishControl = (event: ControlEvent) => Effect.Effect<void>

/** What the dashboard does with its control events: nothing without a broker (the default). */
export const noControlEvents: PublishControl = () => Effect.void

const encode = Schema.encodeSync(ControlEvent)

/**
 * With a broker: each event on `control.<user>`, confirmed, after the database write it reports has committed.
 * At most once: a broker away or slow past CONTROL_CONFIRM_TIMEOUT loses that event (the write stands, and the
 * next point events carry the totals); it is logged. Its messageId is unique per action.
 */
export const controlPublisher = (broker: Option.Option<BrokerShape>): PublishControl =>
  Option.match(broker, {
    onNone: () => noControlEvents,
    onSome: (publisher) => (event) =>
      publisher.publish([{
        routingKey: `control.${event.user}`,
        messageId: `${event.user}:${event.action}:${Date.now()}`,
        body: JSON.stringify(encode(event))
      }]).pipe(
        Effect.timeout(CONTROL_CONFIRM_TIMEOUT),
        Effect.catchAll((error) =>
          Effect.logWarning("control event not published").pipe(
            Effect.annotateLogs({ user: event.user, action: event.action, error: error.message })
          ))
      )
  })
