import { spawnSync } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/**
 * Vitest's global setup: `npm run build` once before any test file runs. The behaviour tests spawn the
 * programs as the image runs them, `node dist/<program>.mjs` (a quarter of a second to start, against
 * a second or more under tsx), so the suite tests what ships; `--help` tests still run the sources under tsx.
 */
export default function buildOnce() {
  const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
  const build = spawnSync(process.execPath, [Path.join(root, "scripts/build.mjs")], { cwd: root, encoding: "utf8" })
  if (build.status !== 0) throw new Error(`npm run build failed before the tests:\n${build.stdout}${build.stderr}`)
}
