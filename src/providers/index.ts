import { demoProvider } from './demo/index.ts'
import { siliconflowProvider } from './siliconflow/index.ts'
import type { ProviderModule } from './types.ts'
import { workersAiProvider } from './workers-ai/index.ts'

/** Every provider type, one line each. The key is the `type` used in `PROVIDERS`. */
export const providerModules: Record<string, ProviderModule> = {
  demo: demoProvider,
  siliconflow: siliconflowProvider,
  'workers-ai': workersAiProvider,
}

export const providerTypes = Object.keys(providerModules)
