import type { GenerationResult } from '../../generate/index.ts'

/** A finished generation for reply-text tests: the demo model, seed 42, 1.2 s. */
export const generationResult = (overrides: Partial<GenerationResult> = {}): GenerationResult => ({
  images: [],
  model: 'demo',
  upstreamModel: 'demo',
  provider: 'demo',
  seed: 42,
  prompt: 'A cute cat',
  finalPrompt: 'A cute cat',
  promptModel: null,
  promptNote: undefined,
  warnings: [],
  attempts: 1,
  elapsedMs: 1234,
  expiresAt: 0,
  ...overrides,
})
