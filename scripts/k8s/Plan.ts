import { Effect, Option } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { loadRoster, SHIPPED_ROSTERS } from "../../src/cli/RosterFile.js"
import { baseFiles, type ManifestFile, treeFiles } from "./Layout.js"

/** The committed tree: the default roster as the base, every other shipped roster as an overlay. */
export const TREE_ROOT = "deploy/kubernetes"
export const BASE_ROSTER = "seed000"
/** The tag the compose build gives the image (package.json's version); README says how to retag it. */
export const DEFAULT_IMAGE = `scoreline:${packageJson.version}`
export const DEFAULT_REPLICAS = 2

export interface Plan {
  readonly root: string
  readonly files: ReadonlyArray<ManifestFile>
  /** The generator owns the folder: a generated-looking file it no longer writes is stale. */
  readonly ownsFolder: boolean
}

export interface PlanOptions {
  readonly replicas: number
  readonly image: string
}

/** deploy/kubernetes as a fresh generation would write it. */
export const committedTree = (options: PlanOptions, root: string = TREE_ROOT) =>
  Effect.gen(function*() {
    const base = yield* loadRoster(BASE_ROSTER)
    const layouts = yield* Effect.forEach(Object.keys(SHIPPED_ROSTERS).filter((name) => name !== BASE_ROSTER), loadRoster)
    return { root, files: treeFiles({ base, layouts }, options), ownsFolder: true } satisfies Plan
  })

/** One self-contained base for one roster (a shipped name or a JSON file). */
export const singleBase = (rosterName: string, root: string, options: PlanOptions) =>
  Effect.map(loadRoster(rosterName), (roster): Plan => {
    const source = /[/\\]|\.json$/.test(rosterName) ? rosterName : `rosters/${rosterName}.json`
    const files = baseFiles(".", roster, { ...options, source }).map((file) => ({ ...file, path: file.path.replace(/^\.\//, "") }))
    // A folder given on the command line may hold the user's own files: nothing in it is removed.
    return { root, files, ownsFolder: false }
  })

/** Which of the two the command line asks for. */
export const planFor = (roster: Option.Option<string>, out: Option.Option<string>, options: PlanOptions) =>
  Option.match(roster, {
    onNone: () => committedTree(options, Option.getOrElse(out, () => TREE_ROOT)),
    onSome: (name) =>
      Option.match(out, {
        onNone: () => Effect.fail(new Error("--out: required with --roster (the folder to write the base into)")),
        onSome: (root) => singleBase(name, root, options)
      })
  })
