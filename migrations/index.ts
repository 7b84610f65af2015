import { Migrator } from "@effect/sql"
import createScores from "./0001_create_scores.js"

/**
 * Every migration, in order. A static record rather than a directory scan, so a bundled program carries its
 * migrations with it. Keys are `<id>_<name>`; add new files here with the next id.
 */
export const migrations = Migrator.fromRecord({
  "0001_create_scores": createScores
})
