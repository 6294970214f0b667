import { resolve } from 'node:path'
import type { TestProject } from 'vitest/node'
import { unstable_readConfig } from 'wrangler'
import { buildWorker } from '../../../scripts/build-worker.ts'

/**
 * Global setup of the bundle tests: builds `dist/worker.js` as `npm run build:worker` does and
 * reads the runtime settings a deploy uses from wrangler.jsonc, so the tests load what is deployed
 * under the same compatibility date and flags (and fail when a flag the code relies on goes).
 */
export default async function setup(project: TestProject) {
  const root = resolve(import.meta.dirname, '../../..')
  const built = await buildWorker()
  const config = unstable_readConfig({ config: resolve(root, 'wrangler.jsonc') })
  project.provide('workerBundle', {
    scriptPath: built.outfile,
    compatibilityDate: config.compatibility_date!,
    compatibilityFlags: config.compatibility_flags,
  })
}

export type WorkerBundle = {
  scriptPath: string
  compatibilityDate: string
  compatibilityFlags: string[]
}

declare module 'vitest' {
  export interface ProvidedContext {
    workerBundle: WorkerBundle
  }
}
