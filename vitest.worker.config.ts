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
        bindings: { IMAGE_EXPIRATION: '120' },
      },
    }),
  ],
  test: {
    include: ['test/worker/**/*.test.ts'],
    testTimeout: 20_000,
  },
})
