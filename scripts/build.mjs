// npm run build: every program in src/programs/ bundled into dist/<program>.mjs, runnable with plain `node`.
// One file per program with its dependencies inside starts in about a quarter of a second (no tsx, no
// TypeScript, no module resolution at run time). better-sqlite3 stays outside: it is a native addon.
import { build } from "esbuild"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const programs = Fs.readdirSync(Path.join(root, "src/programs")).filter((file) => file.endsWith(".ts"))

await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(programs.map((file) => [file.replace(/\.ts$/, ""), `src/programs/${file}`])),
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  splitting: false,
  external: ["better-sqlite3"],
  // Some bundled dependencies are CommonJS and call require(): give the ES module one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: "linked",
  logLevel: "warning"
})
console.log(`built ${programs.length} programs into dist/: ${programs.map((file) => file.replace(/\.ts$/, ".mjs")).join(", ")}`)

// The dashboard's page files, and Chart.js from node_modules, beside the bundles: src/dashboard/Assets.ts
// looks for dist/dashboard-assets/ when it runs from dist/ (a bundle has no src/ next to it).
const assets = Path.join(root, "dist/dashboard-assets")
Fs.rmSync(assets, { recursive: true, force: true })
Fs.cpSync(Path.join(root, "src/dashboard/assets"), assets, { recursive: true })
const chartJs = Path.join(Path.dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js")
Fs.mkdirSync(Path.join(assets, "vendor"), { recursive: true })
Fs.copyFileSync(chartJs, Path.join(assets, "vendor/chart.umd.min.js"))
console.log("copied the dashboard's assets and Chart.js into dist/dashboard-assets/")
