import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The page's own files. From the source tree they are `src/dashboard/assets/`; `npm run build` copies them
 * (and Chart.js) to `dist/dashboard-assets/`, next to the bundled programs, so `node dist/dashboard.mjs`
 * finds them wherever it runs.
 */
const here = Path.dirname(fileURLToPath(import.meta.url))
const candidates = [Path.join(here, "assets"), Path.join(here, "dashboard-assets")]

export const assetsDir = (): string => {
  const found = candidates.find((dir) => Fs.existsSync(Path.join(dir, "index.html")))
  if (found === undefined) throw new Error(`dashboard assets not found (looked in ${candidates.join(", ")})`)
  return found
}

/**
 * Chart.js's browser build, from the copy the build made, else from `node_modules` (its package exports
 * only the module entry, so the UMD file is found beside it). Never a CDN: the page works offline.
 */
export const chartJsFile = (dir: string): string => {
  const copied = Path.join(dir, "vendor", "chart.umd.min.js")
  if (Fs.existsSync(copied)) return copied
  return Path.join(Path.dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js")
}

/** A plain file name: letters, digits, `-`, `_` and single dots between them; no `/`, no `..`, no `%`. */
const SAFE_NAME = /^[\w-]+(\.[\w-]+)*$/

/**
 * A file of the asset folder by its bare name, or 404. The name is checked before any path is built, and the
 * resolved path must still lie inside the folder, so `..`, `%2e%2e` and absolute paths never reach the disk.
 */
export const assetResponse = (dir: string, name: string) => {
  const path = Path.resolve(dir, name)
  if (!SAFE_NAME.test(name) || Path.dirname(path) !== Path.resolve(dir) || !Fs.existsSync(path)) {
    return Effect.succeed(HttpServerResponse.text("not found", { status: 404 }))
  }
  return HttpServerResponse.file(path).pipe(Effect.orElseSucceed(() => HttpServerResponse.text("not found", { status: 404 })))
}
