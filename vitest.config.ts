import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // better-sqlite3 is a native addon: forks load it reliably, threads do not.
    pool: "forks",
    // Two files at a time on these 2 cores: most tests wait on sockets and spawned programs, not the CPU.
    maxWorkers: 2,
    minWorkers: 1,
    // The programs are spawned from their bundles: build them once, before any test file.
    globalSetup: ["./test/support/buildOnce.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
