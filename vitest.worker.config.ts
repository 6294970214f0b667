import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            main: './src/runtime/worker.ts',
            miniflare: {
              compatibilityDate: '2026-04-01',
              kvNamespaces: ['IMAGES'],
              r2Buckets: ['TEST_IMAGES_BUCKET'],
              bindings: { IMAGE_EXPIRATION: '120' },
            },
          }),
        ],
        test: { name: 'workerd', include: ['test/worker/*.test.ts'], testTimeout: 20_000 },
      },
      {
        test: {
          name: 'bundle',
          include: ['test/worker/bundle/**/*.test.ts'],
          globalSetup: ['test/worker/bundle/setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
})
