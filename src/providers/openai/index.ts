import * as z from 'zod/mini'
import { appendImage } from '../input-images.ts'
import { resolveModels } from '../models.ts'
import { readOptions } from '../options.ts'
import type { ImageRequest, ModelSpec, ProviderModule } from '../types.ts'
import { isGptImage, OPENAI_DEFAULT_MODEL, openaiModel } from './models.ts'
import { editOpenAiStyle, generateOpenAiStyle } from './reply.ts'

/**
 * Any OpenAI-compatible images API: OpenAI itself, stable-diffusion.cpp's server, LocalAI,
 * another fluxgate. `POST {base}/images/generations` with a bearer key when one is configured;
 * self-hosted servers usually want none, so the provider is keyless-capable (an entry without
 * keys is one target that sends no Authorization header). Edits go to `POST {base}/images/edits`
 * as OpenAI's multipart form, which another fluxgate, OpenAI and LocalAI all read.
 */

export const OPENAI_BASE_URL = 'https://api.openai.com/v1'

/** The request body for a request already fitted to the model's capabilities. */
export function requestBody(model: ModelSpec, request: ImageRequest): Record<string, unknown> {
  const body: Record<string, unknown> = { model: model.id, prompt: request.prompt, n: request.n }
  if (request.width && request.height) body.size = `${request.width}x${request.height}`
  // Base64 spares a download. GPT image models always answer base64 and refuse the field.
  if (!isGptImage(model.id)) body.response_format = 'b64_json'
  return body
}

/**
 * An edit as OpenAI's multipart form: the generation fields as text, one image as `image` or
 * several as repeated `image[]` (the name OpenAI's SDKs send for a list; dall-e-2 knows only
 * `image`), and the mask as `mask`.
 */
export function editForm(model: ModelSpec, request: ImageRequest): FormData {
  const form = new FormData()
  for (const [field, value] of Object.entries(requestBody(model, request))) {
    form.append(field, String(value))
  }
  const images = request.images ?? []
  const field = images.length > 1 ? 'image[]' : 'image'
  for (const [index, image] of images.entries()) {
    appendImage(form, field, image, `image-${index + 1}`)
  }
  if (request.mask) appendImage(form, 'mask', request.mask, 'mask')
  return form
}

/** `options` of an openai entry. */
const OPENAI_OPTIONS = {
  /**
   * What the server's `/images/edits` takes, for the entry's models that are not OpenAI's own
   * (whose limits are known): without it they draw from text only, since not every
   * OpenAI-compatible server edits.
   */
  input: z.optional(
    z.strictObject({
      maxImages: z.int().check(z.minimum(1), z.maximum(16)),
      mask: z._default(z.boolean(), false),
      editOnly: z._default(z.boolean(), false),
    }),
  ),
}

export const openaiProvider: ProviderModule = {
  type: 'openai',
  keyless: true,
  // OpenAI's default, and the only one of LocalAI and dall-e; no `output_format` is sent.
  outputFormats: ['png'],
  create(entry, { name }) {
    const { input } = readOptions(entry, OPENAI_OPTIONS)
    const baseUrl = (entry.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, '')
    const onOpenAi = new URL(baseUrl).hostname === 'api.openai.com'
    if (!entry.models?.length && !onOpenAi) {
      // A self-hosted server's model names are its own; guessing one would fail on every call.
      throw new Error('"models" must name the model ids this server serves')
    }
    return {
      type: 'openai',
      name,
      // An entry naming no model (allowed on OpenAI's own API only) serves the default one.
      models: resolveModels([openaiModel(OPENAI_DEFAULT_MODEL)], entry.models, (id) =>
        openaiModel(id, input),
      ),
      async generate(request, call) {
        const context = { ...call, provider: name, baseUrl }
        const images = request.images?.length
          ? await editOpenAiStyle({ ...context, form: editForm(call.model, request) })
          : await generateOpenAiStyle({ ...context, body: requestBody(call.model, request) })
        // The Images API takes no seed, so there is none to report. A server that ignores `n`
        // and sends extra images would otherwise hand the client more than it asked for.
        return { images: images.slice(0, request.n) }
      },
    }
  },
}
