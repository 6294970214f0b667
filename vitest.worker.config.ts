import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { unstable_readConfig } from 'wrangler'

/** The compatibility date and flags a deploy runs under, from wrangler.jsonc. */
const deployed = unstable_readConfig({ config: 'wrangler.jsonc' })

/**
 * The Workers suite, two projects:
 * - `bundle`: the built dist/worker.js (globalSetup runs the build) in workerd through Miniflare
 *   from Node, as deployed: no nodejs_compat, real fake upstreams on 127.0.0.1, real sockets.
 * - `workerd`: driver code inside workerd (the storage contracts on Miniflare's KV and R2, the
 *   `AI` binding's reply shapes), which needs code running next to the bindings. The pool turns
 *   nodejs_compat on there, so these say nothing about what the deployed bundle may import.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'bundle',
          include: ['test/worker/bundle/**/*.test.ts'],
          globalSetup: ['test/worker/bundle/setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: './src/runtime/worker.ts',
            miniflare: {
              compatibilityDate: deployed.compatibility_date,
              compatibilityFlags: deployed.compatibility_flags,
              kvNamespaces: ['IMAGES'],
              // Not IMAGES_BUCKET: the entry would prefer R2 over the KV the other tests use.
              // test/worker/r2.test.ts builds the R2 store from this binding directly.
              r2Buckets: ['TEST_IMAGES_BUCKET'],
              bindings: { IMAGE_EXPIRATION: '120' },
            },
          }),
        ],
        test: {
          name: 'workerd',
          include: ['test/worker/*.test.ts'],
          testTimeout: 20_000,
        },
      },
    ],
  },
})
