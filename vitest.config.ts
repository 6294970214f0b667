import { defineConfig } from 'vitest/config'

/** Node tests: unit tests beside the code, and real-HTTP tests against the Node entry. */
export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'test/node/**/*.test.ts',
      'test/browser/**/*.test.ts',
      'test/*.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
