import { demoProvider } from './demo/index.ts'
import type { ProviderModule } from './types.ts'

/** Every provider type, one line each. The key is the `type` used in `PROVIDERS`. */
export const providerModules: Record<string, ProviderModule> = {
  demo: demoProvider,
}

export const providerTypes = Object.keys(providerModules)
