import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Layer } from "effect"

/** What the sql Migrators ask of the platform (file system, paths, commands): NodeContext without its worker and terminal. */
const MigratorContext = Layer.mergeAll(NodePath.layer, NodeCommandExecutor.layer).pipe(
  Layer.provideMerge(NodeFileSystem.layer)
)

/** A driver's client, with its Migrator run on it first when `migrate` is set (either driver: MysqlDriver, SqliteDriver). */
export const migratedFirst = <ROut, E, EM, RM>(
  client: Layer.Layer<ROut, E>,
  migrator: Layer.Layer<never, EM, RM>,
  migrate: boolean
): Layer.Layer<ROut, E | EM, Exclude<Exclude<RM, Layer.Layer.Success<typeof MigratorContext>>, ROut>> =>
  migrate ? Layer.provideMerge(migrator.pipe(Layer.provide(MigratorContext)), client) : client
