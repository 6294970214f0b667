import * as z from 'zod/mini'
import { downloadImage } from '../download.ts'
import { callJson, jsonHeaders, upstreamError } from '../http.ts'
import { resolveModels } from '../models.ts'
import { readOptions } from '../options.ts'
import { pollIntervalOption } from '../poll.ts'
import type { CallContext, ProviderModule } from '../types.ts'
import { falError } from './errors.ts'
import { FAL_MODELS, type FalModel, falEndpoint, falInput, genericModel } from './models.ts'
import { runQueued } from './queue.ts'

/**
 * fal.ai, with `Authorization: Key <FAL_KEY>`. The queue (default) survives slow cold starts
 * and is retried by fal itself; `options.mode: "sync"` calls `https://fal.run/{endpoint}` and
 * waits for the output in one request. A `baseUrl` replaces both hosts (proxies, test fakes).
 * An edit goes to the model's edit endpoint (models.ts). Output image URLs are downloaded at
 * once; only the bytes are kept.
 */
export const FAL_SYNC_URL = 'https://fal.run'
export const FAL_QUEUE_URL = 'https://queue.fal.run'

/** `options` of a fal entry. */
const FAL_OPTIONS = {
  /** `queue` survives cold starts and is retried by fal; `sync` waits in one request. */
  mode: z._default(z.enum(['queue', 'sync']), 'queue'),
  pollIntervalMs: pollIntervalOption,
}

/** The endpoint output (fal-js FluxDevOutput); `has_nsfw_concepts[i]` marks a blacked-out image. */
const output = z.object({
  images: z.array(
    z.object({
      url: z.string().check(z.minLength(1)),
      content_type: z.catch(z.optional(z.string()), undefined),
    }),
  ),
  seed: z.catch(z.optional(z.int().check(z.nonnegative())), undefined),
  has_nsfw_concepts: z.catch(z.optional(z.array(z.nullable(z.boolean()))), undefined),
})

export const falProvider: ProviderModule = {
  type: 'fal',
  outputFormats: ['jpeg', 'png'],
  create(entry, { name }) {
    const { mode, pollIntervalMs: intervalMs } = readOptions(entry, FAL_OPTIONS)
    const base = entry.baseUrl?.replace(/\/+$/, '')
    const syncUrl = base ?? FAL_SYNC_URL
    const queueUrl = base ?? FAL_QUEUE_URL
    const models = resolveModels(FAL_MODELS, entry.models, genericModel)
    const byId = new Map<string, FalModel>(models.map((model) => [model.id, model]))
    return {
      type: 'fal',
      name,
      models,
      async generate(request, context) {
        const { key } = context
        const model = byId.get(context.model.id)
        if (!model) throw upstreamError(name, 'bad-request', `no model ${context.model.id} here`)
        const input = await falInput(model, request)
        const endpoint = falEndpoint(model, request)
        const json =
          mode === 'sync'
            ? await runSync(name, `${syncUrl}/${endpoint}`, input, context)
            : await runQueued({
                provider: name,
                baseUrl: queueUrl,
                endpoint,
                input,
                key,
                intervalMs,
                context,
              })
        const parsed = output.safeParse(json)
        if (!parsed.success) {
          throw upstreamError(name, 'server', 'the output was not the documented JSON')
        }
        const { images, seed, has_nsfw_concepts: flagged } = parsed.data
        // fal blacks out what its safety checker flags and still answers 200: that is a refusal.
        if (flagged?.some(Boolean)) {
          throw upstreamError(name, 'refused', 'the safety checker flagged the image (NSFW)')
        }
        if (images.length === 0) throw upstreamError(name, 'server', 'the output held no image')
        context.onProgress?.(
          `${name}: downloading ${images.length === 1 ? 'the image' : `${images.length} images`}`,
        )
        const downloaded = await Promise.all(
          images.map((image) =>
            // Only the configured base vouches for http or private hosts; fal's CDN is https.
            downloadImage(image.url, {
              provider: name,
              baseUrl: base,
              signal: context.signal,
              fetch: context.fetch,
            }),
          ),
        )
        return { images: downloaded, seed: seed ?? request.seed }
      },
    }
  },
}

/** Sync mode: one POST whose reply is the output itself (no queue, so no retries by fal). */
function runSync(
  provider: string,
  url: string,
  input: Record<string, unknown>,
  context: CallContext,
): Promise<unknown> {
  const headers = jsonHeaders(context.key ? `Key ${context.key}` : undefined)
  return callJson(
    { provider, fetch: context.fetch, signal: context.signal },
    url,
    { method: 'POST', headers, body: JSON.stringify(input) },
    z.unknown(),
    (response, text) => falError(provider, response, text, context.key),
  )
}
