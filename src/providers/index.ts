import { automatic1111Provider } from './automatic1111/index.ts'
import { bflProvider } from './bfl/index.ts'
import { comfyuiProvider } from './comfyui/index.ts'
import { demoProvider } from './demo/index.ts'
import { falProvider } from './fal/index.ts'
import { openaiProvider } from './openai/index.ts'
import { replicateProvider } from './replicate/index.ts'
import { siliconflowProvider } from './siliconflow/index.ts'
import { togetherProvider } from './together/index.ts'
import type { ProviderModule } from './types.ts'
import { workersAiProvider } from './workers-ai/index.ts'

/** Every provider type, one line each. The key is the `type` used in `PROVIDERS`. */
export const providerModules: Record<string, ProviderModule> = {
  automatic1111: automatic1111Provider,
  bfl: bflProvider,
  comfyui: comfyuiProvider,
  demo: demoProvider,
  fal: falProvider,
  openai: openaiProvider,
  replicate: replicateProvider,
  siliconflow: siliconflowProvider,
  together: togetherProvider,
  'workers-ai': workersAiProvider,
}

export const providerTypes = Object.keys(providerModules)
