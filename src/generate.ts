import type { Config } from './config.ts'
import { GatewayError } from './errors.ts'
import { withTimeout } from './http/deadline.ts'
import { type ImageInfo, sniffImage } from './image/sniff.ts'
import type { Catalogue, Route } from './pool/catalogue.ts'
import { runWithFailover } from './pool/pool.ts'
import { fitRequest, type RequestedImage } from './providers/fit.ts'
import { upstreamError } from './providers/http.ts'
import type { GeneratedImage } from './providers/types.ts'
import { newImageKey } from './storage/keys.ts'
import type { ImageStore } from './storage/types.ts'

/** The prompt after translation/optimization, and who produced it. */
export type PreparedPrompt = {
  prompt: string
  /** The LLM that rewrote it; null when the prompt went through unchanged. */
  promptModel: string | null
  /** Why the original was kept (LLM failed, timed out, ...), for the reply. */
  note?: string
}

export type PromptPreparer = (
  prompt: string,
  options: { optimize: boolean; maxLength: number; signal: AbortSignal },
) => Promise<PreparedPrompt>

/** Services shared by every route, built once per app. */
export type Gateway = {
  config: Config
  storage: ImageStore | null
  catalogue: Catalogue
  preparePrompt?: PromptPreparer
  fetch: typeof fetch
  now: () => number
}

export type GenerationEvent =
  | ({
      type: 'prompt-ready'
      model: string
      size: { width: number; height: number } | null
    } & PreparedPrompt)
  | { type: 'attempt'; provider: string; model: string }
  | { type: 'upstream-progress'; message: string }

export type GenerationInput = RequestedImage & {
  /** Public or provider-qualified model id; the default model when absent. */
  model?: string
  /** Rewrite the prompt through the LLM (translation of non-ASCII prompts happens regardless). */
  optimize?: boolean
  /** The client's signal: aborting it cancels upstream work. */
  signal: AbortSignal
  onProgress?: (event: GenerationEvent) => void
}

export type GeneratedRecord = ImageInfo & {
  bytes: Uint8Array
  /** Storage key, or null when no storage is configured (the caller must inline the bytes). */
  key: string | null
}

export type GenerationResult = {
  images: GeneratedRecord[]
  /** The public model id that was asked for, after defaults. */
  model: string
  upstreamModel: string
  provider: string
  seed: number | undefined
  prompt: string
  finalPrompt: string
  promptModel: string | null
  promptNote: string | undefined
  warnings: string[]
  attempts: number
  elapsedMs: number
  expiresAt: number
}

const MAX_SEED = 2 ** 31 - 1

/**
 * The one path every endpoint uses: resolve the model, prepare the prompt, fit the request to
 * each candidate target, fail over across targets within the deadline, sniff and store the
 * images. Images are stored before this returns, so a URL handed out always resolves.
 */
export async function generateImages(
  gateway: Gateway,
  input: GenerationInput,
): Promise<GenerationResult> {
  const { config, now } = gateway
  const started = now()
  const deadline = started + config.requestTimeoutMs
  const deadlineSignal = withTimeout(input.signal, config.requestTimeoutMs, 'The request timed out')
  try {
    return await generateWithin(gateway, input, deadlineSignal.signal, started, deadline)
  } finally {
    deadlineSignal.done()
  }
}

async function generateWithin(
  gateway: Gateway,
  input: GenerationInput,
  signal: AbortSignal,
  started: number,
  deadline: number,
): Promise<GenerationResult> {
  const { config, catalogue, now } = gateway
  const resolved = catalogue.resolve(input.model)
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
      deadline,
      attemptTimeoutMs: config.upstreamTimeoutMs,
      now,
      onAttempt: (route) =>
        input.onProgress?.({ type: 'attempt', provider: route.target.id, model: route.model.id }),
    },
  )

  const { images, seed, warnings } = run.value
  const createdAt = now()
  const expiresAt = createdAt + config.imageExpirationSeconds * 1000
  const records: GeneratedRecord[] = []
  for (const image of images) {
    const key = gateway.storage ? newImageKey() : null
    if (gateway.storage && key) {
      await gateway.storage.put(key, image.bytes, {
        contentType: image.contentType,
        width: image.width,
        height: image.height,
        prompt: input.prompt,
        finalPrompt: prepared.prompt,
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
    elapsedMs: now() - started,
    expiresAt,
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

/** Guards shared by every endpoint's input validation. */
export function assertPrompt(prompt: string | undefined, param = 'prompt'): string {
  const trimmed = prompt?.trim()
  if (!trimmed) throw new GatewayError(400, 'invalid_prompt', 'The prompt is empty.', { param })
  return trimmed
}
