import { Effect, Option } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { loadRoster, SHIPPED_ROSTERS } from "../../src/settings/RosterFile.js"
import { baseFiles, type ManifestFile, treeFiles } from "./Layout.js"
import { NameClash } from "./Names.js"

/**
 * Builds the files; two users whose names would make the same Kubernetes names (the generator's one refusal
 * of a valid roster) become a failure with its line, anything else thrown stays a defect.
 */
const generate = (make: () => Array<ManifestFile>) =>
  Effect.sync(make).pipe(
    Effect.catchSomeDefect((defect) => (defect instanceof NameClash ? Option.some(Effect.fail(defect)) : Option.none()))
  )

/** The committed tree: the default roster as the base, every other shipped roster as an overlay. */
export const TREE_ROOT = "deploy/kubernetes"
export const BASE_ROSTER = "seed000"
/** The tag the compose build gives the image (package.json's version); docs/KUBERNETES.md says how to retag it. */
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
    const files = yield* generate(() => treeFiles({ base, layouts }, options))
    return { root, files, ownsFolder: true } satisfies Plan
  })

/** One self-contained base for one roster (a shipped name or a JSON file). */
export const singleBase = (rosterName: string, root: string, options: PlanOptions) =>
  Effect.gen(function*() {
    const roster = yield* loadRoster(rosterName)
    const source = /[/\\]|\.json$/.test(rosterName) ? rosterName : `rosters/${rosterName}.json`
    const files = yield* generate(() => baseFiles(".", roster, { ...options, source }))
    // A folder given on the command line may hold the user's own files: nothing in it is removed.
    return { root, files: files.map((file) => ({ ...file, path: file.path.replace(/^\.\//, "") })), ownsFolder: false } satisfies Plan
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
