import { dataUri } from '../input-images.ts'
import { resolveModels } from '../models.ts'
import { generateOpenAiStyle } from '../openai/reply.ts'
import { readOptions } from '../options.ts'
import type { ImageRequest, ModelSpec, ProviderModule } from '../types.ts'
import { genericModel, TOGETHER_MODELS } from './models.ts'

/**
 * Together AI: `POST {base}/images/generations` with a bearer key. The image is asked for as
 * base64, so no second request is needed; a reply with URLs instead is downloaded at once.
 * Errors come OpenAI-shaped (or as a bare `{message}`), so they share openai/errors.ts. Edits
 * send their images in the same call: Kontext one `image_url`, FLUX.2 `reference_images`.
 */

export const TOGETHER_BASE_URL = 'https://api.together.xyz/v1'

/** The documented request body, from a request already fitted to the model's capabilities. */
export function requestBody(model: ModelSpec, request: ImageRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: model.id,
    prompt: request.prompt,
    n: request.n,
    response_format: 'base64',
  }
  if (request.width && request.height) {
    body.width = request.width
    body.height = request.height
  }
  if (request.steps !== undefined) body.steps = request.steps
  if (request.seed !== undefined) body.seed = request.seed
  if (request.negativePrompt) body.negative_prompt = request.negativePrompt
  const images = request.images ?? []
  // Kontext reads one `image_url`; FLUX.2 [dev] reads only `reference_images`, which every
  // FLUX.2 takes (docs.together.ai, image-to-image). Links may be data URIs.
  if (images.length && /kontext/i.test(model.id)) body.image_url = dataUri(images[0]!)
  else if (images.length) body.reference_images = images.map(dataUri)
  if (request.outputFormat) body.output_format = request.outputFormat
  return body
}

export const togetherProvider: ProviderModule = {
  type: 'together',
  outputFormats: ['jpeg', 'png'],
  create(entry, { name }) {
    readOptions(entry, {})
    const baseUrl = (entry.baseUrl ?? TOGETHER_BASE_URL).replace(/\/+$/, '')
    return {
      type: 'together',
      name,
      models: resolveModels(TOGETHER_MODELS, entry.models, genericModel),
      async generate(request, call) {
        const body = requestBody(call.model, request)
        const images = await generateOpenAiStyle({ ...call, provider: name, baseUrl, body })
        return { images: images.slice(0, request.n), seed: request.seed }
      },
    }
  },
}
