// @ts-check
/**
 * Mutation testing (`npm run mutate`, not part of `npm test`): StrykerJS changes the code of the parts whose
 * tests are fast and layer-swapped, one mutant at a time, and runs those tests (test/mutation/vitest.config.ts)
 * against each. A mutant no test notices is a gap. Score, time and the survivors kept: docs/TESTING.md.
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  vitest: { configFile: "test/mutation/vitest.config.ts" },
  mutate: [
    "src/schema/**/*.ts",
    "src/servers/PointsState.ts",
    "src/servers/PointsUpdates.ts",
    "src/layers/db/ClaimPlan.ts",
    "src/clients/PointsClient.ts",
    "src/dashboard/WatcherState.ts",
    "src/settings/**/*.ts"
  ],
  coverageAnalysis: "perTest",
  // A static mutant (a module-level value: a schema, a constant table) needs every test re-run with the
  // module reloaded: half the mutants and 90% of the time here. They are left out (docs/TESTING.md says so).
  ignoreStatic: true,
  // Two cores: one test process per core.
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always"
}
