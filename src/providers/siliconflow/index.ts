import * as z from 'zod/mini'
import { downloadImage } from '../download.ts'
import { callJson, jsonHeaders, upstreamError } from '../http.ts'
import { dataUri } from '../input-images.ts'
import { resolveModels } from '../models.ts'
import { readOptions } from '../options.ts'
import type { ImageRequest, ModelSpec, ProviderModule } from '../types.ts'
import { siliconflowError } from './errors.ts'
import { genericModel, SILICONFLOW_MODELS } from './models.ts'

/**
 * SiliconFlow (freefluxapi's upstream): `POST {base}/images/generations` with a bearer key. The
 * reply holds image URLs that expire after one hour, so they are downloaded at once, within the
 * attempt's signal, and only the bytes are kept.
 */

export const SILICONFLOW_BASE_URL = 'https://api.siliconflow.cn/v1'

const urls = z.optional(z.array(z.object({ url: z.string().check(z.minLength(1)) })))
const reply = z.object({
  images: urls,
  // Older replies carried the same list as `data` as well; accept either.
  data: urls,
  seed: z.optional(z.int().check(z.nonnegative())),
})

/** The documented request body, from a request already fitted to the model's capabilities. */
export function requestBody(model: ModelSpec, request: ImageRequest): Record<string, unknown> {
  const body: Record<string, unknown> = { model: model.id, prompt: request.prompt }
  if (request.width && request.height) body.image_size = `${request.width}x${request.height}`
  if (request.seed !== undefined) body.seed = request.seed
  if (request.steps !== undefined) body.num_inference_steps = request.steps
  if (request.negativePrompt) body.negative_prompt = request.negativePrompt
  // Only models that take batch_size (Kolors) declare more than one image per call.
  if (model.capabilities.maxImagesPerCall > 1) body.batch_size = request.n
  // An edit's images as data URIs: `image`, then `image2` and `image3`.
  for (const [index, image] of (request.images ?? []).entries()) {
    body[index ? `image${index + 1}` : 'image'] = dataUri(image)
  }
  return body
}

export const siliconflowProvider: ProviderModule = {
  type: 'siliconflow',
  create(entry, { name }) {
    readOptions(entry, {})
    const baseUrl = (entry.baseUrl ?? SILICONFLOW_BASE_URL).replace(/\/+$/, '')
    return {
      type: 'siliconflow',
      name,
      models: resolveModels(SILICONFLOW_MODELS, entry.models, genericModel),
      async generate(request, { model, key, signal, fetch, onProgress }) {
        const headers = jsonHeaders(key ? `Bearer ${key}` : undefined)
        const body = await callJson(
          { provider: name, fetch, signal },
          `${baseUrl}/images/generations`,
          { method: 'POST', headers, body: JSON.stringify(requestBody(model, request)) },
          reply,
          (response, text) => siliconflowError(name, response, text, key),
        )
        const urls = (body.images ?? body.data ?? []).map((image) => image.url)
        if (urls.length === 0) throw upstreamError(name, 'server', 'the reply held no image')
        onProgress?.(`downloading ${urls.length === 1 ? 'the image' : `${urls.length} images`}`)
        const images = await Promise.all(
          urls.map((url) => downloadImage(url, { provider: name, baseUrl, signal, fetch })),
        )
        return { images, seed: body.seed ?? request.seed }
      },
    }
  },
}
