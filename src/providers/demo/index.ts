import * as z from 'zod/mini'
import { negativePromptCapabilities } from '../flux-capabilities.ts'
import { readOptions } from '../options.ts'
import type { ProviderModule } from '../types.ts'
import { fingerprint, renderDemoPicture } from './picture.ts'

/** `options` of a demo entry. */
const DEMO_OPTIONS = {
  /** A pause before answering, so tests and benchmarks can exercise a slow upstream offline. */
  delayMs: z._default(z.int().check(z.minimum(0), z.maximum(600_000)), 0),
}

/**
 * The offline provider: draws a labelled, deterministic picture locally. It is used only when
 * no real provider is configured, so a fresh install runs end to end with no network.
 */
export const demoProvider: ProviderModule = {
  type: 'demo',
  keyless: true,
  outputFormats: ['png'],
  create(entry, { name }) {
    const { delayMs } = readOptions(entry, DEMO_OPTIONS)
    return {
      type: 'demo',
      name,
      models: [
        {
          id: 'demo',
          publicIds: ['demo'],
          capabilities: {
            ...negativePromptCapabilities(
              { min: 64, max: 2048, multiple: 8, maxPixels: 2048 * 1024 },
              { min: 1, max: 50, default: 4 },
              4,
            ),
            // Edits too, so every image-input path runs offline.
            input: { maxImages: 4, mask: true, editOnly: false },
          },
        },
      ],
      async generate(request, { signal }) {
        const seed = request.seed ?? 0
        const inputs = request.images ?? []
        const edit = inputs.length
          ? {
              images: inputs.length,
              fingerprint: fingerprint(
                [...inputs, ...(request.mask ? [request.mask] : [])].map((i) => i.bytes),
              ),
            }
          : undefined
        const images = []
        for (let index = 0; index < request.n; index++) {
          signal.throwIfAborted()
          const bytes = await renderDemoPicture({
            prompt: request.prompt,
            seed: seed + index,
            width: request.width ?? 1024,
            height: request.height ?? 1024,
            edit,
          })
          images.push({ bytes, mediaType: 'image/png' })
        }
        // A configurable delay lets tests and benchmarks exercise slow upstreams offline.
        if (delayMs > 0) await sleep(delayMs, signal)
        return { images, seed }
      },
    }
  },
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })
}
