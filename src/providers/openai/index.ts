import { resolveModels } from '../models.ts'
import { readOptions } from '../options.ts'
import type { ImageRequest, ModelSpec, ProviderModule } from '../types.ts'
import { isGptImage, OPENAI_DEFAULT_MODEL, openaiModel } from './models.ts'
import { generateOpenAiStyle } from './reply.ts'

/**
 * Any OpenAI-compatible images API: OpenAI itself, stable-diffusion.cpp's server, LocalAI,
 * another fluxgate. `POST {base}/images/generations` with a bearer key when one is configured;
 * self-hosted servers usually want none, so the provider is keyless-capable (an entry without
 * keys is one target that sends no Authorization header).
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

export const openaiProvider: ProviderModule = {
  type: 'openai',
  keyless: true,
  // OpenAI's default, and the only one of LocalAI and dall-e; no `output_format` is sent.
  outputFormats: ['png'],
  create(entry, { name }) {
    readOptions(entry, {})
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
      models: resolveModels([openaiModel(OPENAI_DEFAULT_MODEL)], entry.models, openaiModel),
      async generate(request, call) {
        const body = requestBody(call.model, request)
        const images = await generateOpenAiStyle({ ...call, provider: name, baseUrl, body })
        // The Images API takes no seed, so there is none to report. A server that ignores `n`
        // and sends extra images would otherwise hand the client more than it asked for.
        return { images: images.slice(0, request.n) }
      },
    }
  },
}
