import { defineConfig } from "vitest/config"

/**
 * The fast, layer-swapped tests `npm run mutate` runs against each mutant (docs/TESTING.md): in-process only,
 * no spawned program, no MariaDB, no browser, so a mutant is judged in seconds.
 */
export default defineConfig({
  test: {
    include: [
      "test/schema/*.test.ts",
      "test/clients/*.test.ts",
      "test/cli/*.test.ts",
      "test/settings/*.test.ts",
      "test/servers/PointsSession.test.ts",
      "test/servers/PointsServer.test.ts",
      "test/servers/PointsUpdates.test.ts",
      "test/servers/PointsState.test.ts",
      "test/layers/SessionSocket.test.ts",
      "test/dashboard/live.test.ts",
      "test/dashboard/WatcherState.test.ts",
      "test/layers/ClaimPlan.test.ts"
    ],
    pool: "forks",
    testTimeout: 30_000
  }
})
