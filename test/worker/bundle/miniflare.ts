import { dirname } from 'node:path'
import { Miniflare, type MiniflareOptions } from 'miniflare'
import { inject } from 'vitest'

/**
 * Starts workerd on the built `dist/worker.js` (not `src`), with wrangler.jsonc's compatibility
 * date and flags and none added: no nodejs_compat, as deployed. `options` adds bindings; with
 * none, the Worker has a KV namespace bound as `IMAGES` and nothing else.
 */
export async function startBundle(options: Partial<MiniflareOptions> = {}): Promise<Miniflare> {
  const bundle = inject('workerBundle')
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundle.scriptPath,
    modulesRoot: dirname(bundle.scriptPath),
    compatibilityDate: bundle.compatibilityDate,
    compatibilityFlags: bundle.compatibilityFlags,
    kvNamespaces: ['IMAGES'],
    ...options,
  } as MiniflareOptions)
  await mf.ready
  return mf
}
