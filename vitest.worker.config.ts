import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

/** Tests inside workerd, through the real Worker entry and its bindings (Miniflare). */
export default defineConfig({
  plugins: [
    cloudflareTest({
      main: './src/runtime/worker.ts',
      miniflare: {
        compatibilityDate: '2026-04-01',
        kvNamespaces: ['IMAGES'],
        // Not IMAGES_BUCKET: the entry would prefer R2 and the KV tests would miss their images.
        // test/worker/r2.test.ts builds the R2 store from this binding directly.
        r2Buckets: ['TEST_IMAGES_BUCKET'],
        bindings: { IMAGE_EXPIRATION: '120' },
      },
    }),
  ],
  test: {
    include: ['test/worker/**/*.test.ts'],
    testTimeout: 20_000,
  },
})
