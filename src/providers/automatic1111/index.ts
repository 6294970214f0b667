import * as z from 'zod/mini'
import { encodeBase64 } from '../../bytes/base64.ts'
import { callJson, jsonHeaders, parseJson, upstreamError } from '../http.ts'
import { decode } from '../openai/reply.ts'
import type { ImageRequest, ProviderModule } from '../types.ts'
import { automatic1111Error } from './errors.ts'
import { type Automatic1111Options, automatic1111Options, modelSpec } from './model.ts'

/**
 * AUTOMATIC1111's WebUI API, also spoken by Forge and stable-diffusion.cpp's server:
 * `POST {base}/sdapi/v1/txt2img`, and `/sdapi/v1/img2img` for edits (the web UI's /docs page).
 * Keyless by default; a key
 * `user:password` is sent as Basic auth (the WebUI's `--api-auth`), any other key as a bearer
 * token (for a proxy in front). The reply carries base64 PNGs and, in `info`, a JSON string
 * holding the seed actually used.
 */

export const AUTOMATIC1111_BASE_URL = 'http://127.0.0.1:7860'

const reply = z.object({
  images: z.array(z.string()),
  info: z.nullish(z.string()),
})
const info = z.object({ seed: z.int() })

/** The txt2img (or, with an image, img2img) body, from a request fitted to the model. */
export function requestBody(
  request: ImageRequest,
  options: Automatic1111Options,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    prompt: request.prompt,
    negative_prompt: request.negativePrompt ?? '',
    width: request.width,
    height: request.height,
    steps: request.steps,
    seed: request.seed ?? -1, // -1: the WebUI draws one
    cfg_scale: options.cfgScale,
    batch_size: request.n,
    n_iter: 1,
  }
  if (options.sampler) body.sampler_name = options.sampler
  const [image] = request.images ?? []
  if (image) {
    body.init_images = [encodeBase64(image.bytes)]
    body.denoising_strength = options.denoisingStrength
  }
  if (request.mask) {
    // The WebUI masks with the mask's alpha channel when it has one, opaque meaning "repaint"
    // (processing.py, create_binary_mask): inverted, transparent is repainted, as OpenAI's masks
    // mean. "Original" fill starts the repainted area from the image rather than from noise.
    body.mask = encodeBase64(request.mask.bytes)
    body.inpainting_mask_invert = 1
    body.inpainting_fill = 1
  }
  return body
}

/** The Authorization header for a configured key, or none. */
export function authorization(key: string | null): string | undefined {
  if (!key) return undefined
  if (!key.includes(':')) return `Bearer ${key}`
  const bytes = new TextEncoder().encode(key)
  return `Basic ${encodeBase64(bytes)}`
}

/** The seed the WebUI reports in `info` (sd.cpp sends `""`), if it parses. */
export function seedFromInfo(text: string | null | undefined): number | undefined {
  const parsed = info.safeParse(text ? parseJson(text) : undefined)
  return parsed.success && parsed.data.seed >= 0 ? parsed.data.seed : undefined
}

export const automatic1111Provider: ProviderModule = {
  type: 'automatic1111',
  keyless: true,
  // The WebUI's default `samples_format`; an image in another is caught when it is sniffed.
  outputFormats: ['png'],
  create(entry, { name }) {
    const baseUrl = (entry.baseUrl ?? AUTOMATIC1111_BASE_URL).replace(/\/+$/, '')
    const options = automatic1111Options(entry)
    return {
      type: 'automatic1111',
      name,
      models: [modelSpec(entry, options)],
      async generate(request, { key, signal, fetch }) {
        const headers = jsonHeaders(authorization(key))
        const { images, info: reportedInfo } = await callJson(
          { provider: name, fetch, signal },
          `${baseUrl}/sdapi/v1/${request.images?.length ? 'img2img' : 'txt2img'}`,
          { method: 'POST', headers, body: JSON.stringify(requestBody(request, options)) },
          reply,
          (response, text) => automatic1111Error(name, response, text, key),
        )
        // With a batch, a WebUI set to return grids puts the grid first; extensions append
        // their own pictures (ControlNet maps) after the batch.
        const batch = images.length > request.n && request.n > 1 ? images.slice(1) : images
        const chosen = batch.slice(0, request.n).filter(Boolean)
        if (chosen.length === 0) throw upstreamError(name, 'server', 'the reply held no image')
        return {
          images: chosen.map((base64) => ({ bytes: decode(name, base64) })),
          seed: seedFromInfo(reportedInfo) ?? request.seed,
        }
      },
    }
  },
}
