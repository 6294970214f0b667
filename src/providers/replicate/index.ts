import * as z from 'zod/mini'
import { isExactRatio } from '../aspect-ratio.ts'
import { downloadImage } from '../download.ts'
import { upstreamError } from '../http.ts'
import { resolveModels } from '../models.ts'
import { readOptions } from '../options.ts'
import { pollIntervalOption } from '../poll.ts'
import type { ProviderModule } from '../types.ts'
import { genericModel, REPLICATE_MODELS, type ReplicateModel, replicateInput } from './models.ts'
import { runPrediction } from './prediction.ts'

/**
 * Replicate, with a bearer token. FLUX.1 and Kontext there take an aspect ratio, not a size:
 * the fitted size becomes the nearest allowed ratio (the client is told when that changes the
 * shape), and the reply reports the size the image really has. Output URLs are deleted after an hour, so
 * they are downloaded at once.
 */
export const REPLICATE_BASE_URL = 'https://api.replicate.com/v1'

/** `options` of a replicate entry. */
const REPLICATE_OPTIONS = {
  /** Format asked for; jpg keeps downloads small, png is lossless. */
  outputFormat: z._default(z.enum(['jpg', 'png']), 'jpg'),
  pollIntervalMs: pollIntervalOption,
}

export const replicateProvider: ProviderModule = {
  type: 'replicate',
  outputFormats: ['jpeg', 'png', 'webp'],
  create(entry, { name }) {
    const options = readOptions(entry, REPLICATE_OPTIONS)
    const { outputFormat, pollIntervalMs: intervalMs } = options
    const baseUrl = (entry.baseUrl ?? REPLICATE_BASE_URL).replace(/\/+$/, '')
    const models = resolveModels(REPLICATE_MODELS, entry.models, genericModel)
    const byId = new Map<string, ReplicateModel>(models.map((model) => [model.id, model]))
    return {
      type: 'replicate',
      name,
      models,
      async generate(request, context) {
        const model = byId.get(context.model.id)
        if (!model) throw upstreamError(name, 'bad-request', `no model ${context.model.id} here`)
        const input = await replicateInput(model, request, outputFormat)
        const { width, height } = request
        const ratio = String(input.aspect_ratio)
        if (width && height && ratio.includes(':') && !isExactRatio(ratio, width, height)) {
          context.onProgress?.(
            `replicate takes aspect ratios only: ${width}x${height} asked as ${ratio}`,
          )
        }
        const result = await runPrediction({
          provider: name,
          baseUrl,
          model: model.id,
          input,
          intervalMs,
          context,
        })
        context.onProgress?.(
          `${name}: downloading ${result.urls.length === 1 ? 'the image' : `${result.urls.length} images`}`,
        )
        const images = await Promise.all(
          result.urls.map((url) =>
            downloadImage(url, {
              provider: name,
              baseUrl,
              signal: context.signal,
              fetch: context.fetch,
            }),
          ),
        )
        return { images, seed: result.seed ?? request.seed }
      },
    }
  },
}
