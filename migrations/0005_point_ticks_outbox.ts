import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// The ledger is the events' outbox (docs/EVENTS.md): a claim that owes an event marks its row, with the
// user's points just after it, and the publisher clears the mark once the broker has confirmed the event.
// Marked per (user, slot), not as "slots after the last one sent": replicas do not commit in slot order.
export default Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.all([
    sql`ALTER TABLE point_ticks ADD COLUMN total INT NULL`,
    sql`ALTER TABLE point_ticks ADD COLUMN event_owed SMALLINT NOT NULL DEFAULT 0`,
    sql`CREATE INDEX point_ticks_event_owed ON point_ticks (event_owed, user, slot)`
  ], { discard: true }))
