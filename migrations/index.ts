import * as Migrator from "@effect/sql/Migrator"
import createScores from "./0001_create_scores.js"
import createPointTicks from "./0002_create_point_ticks.js"
import indexPointTicksRecordedAt from "./0003_index_point_ticks_recorded_at.js"
import createUserControl from "./0004_create_user_control.js"
import pointTicksOutbox from "./0005_point_ticks_outbox.js"

/**
 * Every migration, in order. A static record rather than a directory scan, so a bundled program carries its
 * migrations with it. Keys are `<id>_<name>`; add new files here with the next id.
 */
export const migrations = Migrator.fromRecord({
  "0001_create_scores": createScores,
  "0002_create_point_ticks": createPointTicks,
  "0003_index_point_ticks_recorded_at": indexPointTicksRecordedAt,
  "0004_create_user_control": createUserControl,
  "0005_point_ticks_outbox": pointTicksOutbox
})
