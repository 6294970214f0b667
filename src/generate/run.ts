import type { Gateway, GeneratedRecord, GenerationInput, GenerationResult } from '../generate.ts'
import type { ImageInfo } from '../image/sniff.ts'
import { sniffImage } from '../image/sniff.ts'
import type { ResolvedModel, Route } from '../pool/catalogue.ts'
import { runWithFailover } from '../pool/pool.ts'
import { fitRequest, type RequestedImage } from '../providers/fit.ts'
import { upstreamError } from '../providers/http.ts'
import type { GeneratedImage } from '../providers/types.ts'
import { newImageKey } from '../storage/keys.ts'

/** Seeds are drawn from, and offset within, the range every upstream accepts. */
export const MAX_SEED = 2 ** 31 - 1

export type RunOptions = {
  resolved: ResolvedModel
  /** Aborts on client disconnect (or, for a shared call, when every waiter has gone) or deadline. */
  signal: AbortSignal
  started: number
  /** Epoch ms by which the whole request must end. */
  deadline: number
  /**
   * The storage keys for `n` images, chosen once the prompt is prepared (content keys for seeded
   * requests); null or absent: fresh random keys.
   */
  keysFor?: (prepared: { note?: string }) => string[] | null
}

/**
 * Prepares the prompt, fits the request to each candidate target, fails over across targets
 * within the deadline, then sniffs and stores the images. Images are stored before this
 * returns, so a URL handed out always resolves.
 */
export async function runGeneration(
  gateway: Gateway,
  input: GenerationInput,
  options: RunOptions,
): Promise<GenerationResult> {
  const { config, now } = gateway
  const { resolved, signal } = options
  const maxLength = Math.max(...resolved.routes.map((r) => r.model.capabilities.maxPromptLength))

  const prepared = gateway.preparePrompt
    ? await gateway.preparePrompt(input.prompt, {
        optimize: input.optimize ?? false,
        maxLength,
        signal,
      })
    : { prompt: input.prompt, promptModel: null }
  const requested: RequestedImage = {
    prompt: prepared.prompt,
    negativePrompt: input.negativePrompt,
    width: input.width,
    height: input.height,
    steps: input.steps,
    n: input.n,
    seed: input.seed ?? Math.floor(Math.random() * MAX_SEED),
  }
  const firstFit = fitRequest(requested, resolved.routes[0]!.model.capabilities)
  input.onProgress?.({ type: 'prompt-ready', model: resolved.id, size: firstFit.size, ...prepared })

  const run = await runWithFailover(
    resolved.routes,
    (route, attemptSignal) => attempt(gateway, route, requested, attemptSignal, input),
    {
      signal,
      deadline: options.deadline,
      attemptTimeoutMs: config.upstreamTimeoutMs,
      now,
      onAttempt: (route) =>
        input.onProgress?.({ type: 'attempt', provider: route.target.id, model: route.model.id }),
    },
  )

  const { images, seed, warnings } = run.value
  const createdAt = now()
  const expiresAt = createdAt + config.imageExpirationSeconds * 1000
  const keys = gateway.storage ? (options.keysFor?.(prepared) ?? null) : null
  const records: GeneratedRecord[] = []
  for (const [index, image] of images.entries()) {
    const key = gateway.storage ? (keys?.[index] ?? newImageKey()) : null
    if (gateway.storage && key) {
      await gateway.storage.put(key, image.bytes, {
        contentType: image.contentType,
        width: image.width,
        height: image.height,
        prompt: input.prompt,
        finalPrompt: prepared.prompt,
        promptModel: prepared.promptModel,
        model: run.route.model.id,
        provider: run.route.target.provider.name,
        seed,
        createdAt,
        expiresAt,
      })
    }
    records.push({ ...image, key })
  }
  return {
    images: records,
    model: resolved.id,
    upstreamModel: run.route.model.id,
    provider: run.route.target.provider.name,
    seed,
    prompt: input.prompt,
    finalPrompt: prepared.prompt,
    promptModel: prepared.promptModel,
    promptNote: prepared.note,
    warnings,
    attempts: run.attempts,
    elapsedMs: now() - options.started,
    expiresAt,
    cached: false,
  }
}

/** One attempt on one target: as many upstream calls as the model needs for `n` images. */
async function attempt(
  gateway: Gateway,
  route: Route,
  requested: RequestedImage,
  signal: AbortSignal,
  input: GenerationInput,
): Promise<{
  images: (ImageInfo & { bytes: Uint8Array })[]
  seed: number | undefined
  warnings: string[]
}> {
  const { capabilities } = route.model
  const { request, warnings } = fitRequest(requested, capabilities)
  const perCall = capabilities.maxImagesPerCall
  const calls = Array.from({ length: Math.ceil(requested.n / perCall) }, (_, index) => ({
    ...request,
    n: Math.min(perCall, requested.n - index * perCall),
    // Parallel calls of one seeded request must not draw the same picture.
    seed: request.seed === undefined ? undefined : (request.seed + index * perCall) % MAX_SEED,
  }))
  const results = await Promise.all(
    calls.map((call) =>
      route.target.provider.generate(call, {
        model: route.model,
        key: route.target.key,
        signal,
        fetch: gateway.fetch,
        onProgress: (message) => input.onProgress?.({ type: 'upstream-progress', message }),
      }),
    ),
  )
  const images = results.flatMap((result) => result.images).map((image) => identify(route, image))
  if (images.length === 0) {
    throw upstreamError(route.target.provider.name, 'server', 'the reply held no image')
  }
  return { images, seed: results[0]?.seed ?? request.seed, warnings }
}

function identify(route: Route, image: GeneratedImage): ImageInfo & { bytes: Uint8Array } {
  const info = sniffImage(image.bytes)
  if (!info || info.width === 0 || info.height === 0) {
    throw upstreamError(
      route.target.provider.name,
      'server',
      'the reply was not a PNG, JPEG, WebP or GIF image',
    )
  }
  return { ...info, bytes: image.bytes }
}
