import * as FileSystem from "@effect/platform/FileSystem"
import { Effect } from "effect"
import * as Path from "node:path"
import type { ManifestFile } from "./Layout.js"

/** What the generator writes: manifests and the settings env files, nothing else in the folders it owns. */
const isGenerated = (path: string) => /\.(yaml|env)$/.test(path)

/** The generated files under `root` (relative paths, sorted), or none when it does not exist. */
export const generatedFilesUnder = (root: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(root))) return []
    const entries = yield* fs.readDirectory(root, { recursive: true })
    const files = yield* Effect.filter(entries, (entry) =>
      Effect.map(fs.stat(Path.join(root, entry)), (info) => info.type === "File" && isGenerated(entry)))
    return files.map((file) => file.split(Path.sep).join("/")).sort()
  })

/**
 * How the files on disk differ from a fresh generation: each differing or missing file, and, where the
 * generator owns the whole folder, each generated-looking file it would no longer write.
 */
export const driftOf = (root: string, files: ReadonlyArray<ManifestFile>, options: { readonly ownsFolder: boolean }) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const problems: Array<string> = []
    for (const file of files) {
      const path = Path.join(root, file.path)
      if (!(yield* fs.exists(path))) problems.push(`${file.path}: missing`)
      else if ((yield* fs.readFileString(path)) !== file.text) problems.push(`${file.path}: differs from a fresh generation`)
    }
    if (options.ownsFolder) {
      const planned = new Set(files.map((file) => file.path))
      for (const stale of (yield* generatedFilesUnder(root)).filter((path) => !planned.has(path))) {
        problems.push(`${stale}: no longer generated`)
      }
    }
    return problems
  })

/** Writes the files; where the generator owns the folder, removes the generated files it no longer writes. */
export const writeFiles = (root: string, files: ReadonlyArray<ManifestFile>, options: { readonly ownsFolder: boolean }) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (options.ownsFolder) {
      const planned = new Set(files.map((file) => file.path))
      for (const stale of (yield* generatedFilesUnder(root)).filter((path) => !planned.has(path))) {
        yield* fs.remove(Path.join(root, stale))
      }
    }
    for (const file of files) {
      const path = Path.join(root, file.path)
      yield* fs.makeDirectory(Path.dirname(path), { recursive: true })
      yield* fs.writeFileString(path, file.text)
    }
  })
