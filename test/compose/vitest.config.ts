import { defineConfig } from "vitest/config"

// `npm run test:compose`: compose.yml and the Dockerfile run for real under Docker (test/compose/*.compose.ts).
// Not part of `npm test`, which runs test/**/*.test.ts only. One file, in order, with room for cold image builds.
export default defineConfig({
  test: {
    include: ["test/compose/**/*.compose.ts"],
    pool: "forks",
    fileParallelism: false,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 600_000,
    hookTimeout: 1_200_000
  }
})
