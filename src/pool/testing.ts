import type { GatewayError } from '../errors.ts'
import type { ImageProvider, ModelSpec } from '../providers/types.ts'
import { Catalogue, type Route } from './catalogue.ts'
import { newHealth } from './health.ts'

/** Fakes for the pool's tests: a route with fresh health, and a seeded random generator. */

const MODEL: ModelSpec = {
  id: 'm',
  publicIds: ['m'],
  capabilities: {
    size: null,
    defaultSize: { width: 1, height: 1 },
    steps: null,
    seed: false,
    negativePrompt: false,
    maxPromptLength: 10,
    maxImagesPerCall: 1,
  },
}

/**
 * A model that draws: 1024x1024 by default, sizes 64-2048 in steps of 8, a seed, one image a
 * call, and `maxImages` input images (0: generation only; 1: FLUX.1 Kontext's edit of one image).
 */
export function drawingModel(id: string, maxImages = 0): ModelSpec {
  return {
    id,
    publicIds: [id],
    capabilities: {
      size: { min: 64, max: 2048, multiple: 8 },
      defaultSize: { width: 1024, height: 1024 },
      steps: null,
      seed: true,
      negativePrompt: false,
      maxPromptLength: 1000,
      maxImagesPerCall: 1,
      input: { maxImages, mask: false, editOnly: false },
    },
  }
}

/** A route to a target named `id`, whose provider is never called: tests pass their own attempt. */
export function fakeRoute(id: string, options: { priority?: number; weight?: number } = {}): Route {
  const provider = {
    type: 'fake',
    name: id,
    models: [MODEL],
    generate: async () => ({ images: [] }),
  }
  const target = {
    id,
    provider,
    key: `key-${id}`,
    maskedKey: '***',
    priority: options.priority ?? 0,
    weight: options.weight ?? 1,
    health: newHealth(),
  }
  return { target, model: MODEL }
}

/** mulberry32: a small seeded generator, so statistics over many draws are repeatable. */
export function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A catalogue of one fake provider with these keys; generation is never called. */
export function fakeCatalogue(keys: string[]): Catalogue {
  const provider = {
    name: 'fake',
    type: 'fake',
    models: [{ id: 'm', publicIds: ['m'], capabilities: {} }],
    generate: () => {
      throw new Error('not called')
    },
  } as unknown as ImageProvider
  return new Catalogue([
    { provider, entry: { type: 'fake', keys, priority: 0, weight: 1, options: {} } },
  ])
}

/** An attempt that never answers, like a hung upstream: it ends only when its signal fires. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
}

/** The error a run fails with; a run that succeeds fails the test. */
export function failureOf(running: Promise<unknown>): Promise<GatewayError> {
  return running.then(
    () => {
      throw new Error('expected a failure')
    },
    (thrown: GatewayError) => thrown,
  )
}
