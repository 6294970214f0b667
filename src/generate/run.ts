import { configuredSecrets } from '../config.ts'
import { GatewayError } from '../errors.ts'
import { withTimeout } from '../http/deadline.ts'
import { missingImageEnd } from '../image/complete.ts'
import type { ImageInfo } from '../image/sniff.ts'
import { sniffImage } from '../image/sniff.ts'
import type { ResolvedModel, Route } from '../pool/catalogue.ts'
import { runWithFailover } from '../pool/pool.ts'
import { fitRequest } from '../providers/fit.ts'
import { guardedFetch } from '../providers/guarded-fetch.ts'
import { upstreamError } from '../providers/http.ts'
import type { GeneratedImage, ImageRequest, InputImage } from '../providers/types.ts'
import { secretMask } from '../providers/upstream-errors.ts'
import { MAX_SEED } from '../request/fields.ts'
import { newImageKey } from '../storage/keys.ts'
import type {
  Gateway,
  GeneratedRecord,
  GenerationEvent,
  GenerationInput,
  PreparedPrompt,
} from './types.ts'

/** One generation as it runs: what was asked, for which model, and by when it must end. */
export type Job = {
  gateway: Gateway
  input: Omit<GenerationInput, 'signal' | 'onProgress' | 'origins' | 'images' | 'mask'> & {
    /** The first input image's size: an edit keeps its shape unless a size is asked for. */
    referenceSize?: { width: number; height: number }
  }
  /** The input images, read and checked; absent for text-to-image. */
  inputs?: JobInputs
  /** Only routes that can take `inputs`. */
  resolved: ResolvedModel
  /** Epoch ms by which the whole request must end (REQUEST_TIMEOUT after it began). */
  deadline: number
}

/** The prompt the upstream will see, and the size announced before any image exists. */
export type PromptedImage = PreparedPrompt & { size: { width: number; height: number } | null }

/** Images and where they came from: what a result holds besides the request's own fields. */
export type DrawnImages = {
  images: GeneratedRecord[]
  upstreamModel: string
  provider: string
  seed: number | undefined
  warnings: string[]
  attempts: number
  expiresAt: number
  cached: boolean
}

/** An edit's images as every attempt sends them. */
export type JobInputs = { images: InputImage[]; mask?: InputImage }

type Emit = ((event: GenerationEvent) => void) | undefined

/** Seeds run 0..MAX_SEED inclusive, so there are MAX_SEED + 1 of them. */
const SEED_COUNT = MAX_SEED + 1

/** A seed for an unseeded request, uniform over every seed an upstream accepts. */
export const randomSeed = () => Math.floor(Math.random() * SEED_COUNT)

/**
 * The seed of the `index`-th image of a seeded request split over parallel calls: offset so the
 * calls do not draw the same picture, wrapping within 0..MAX_SEED.
 */
export const offsetSeed = (seed: number, index: number) => (seed + index) % SEED_COUNT

/**
 * Runs `work` on a signal that also aborts at the job's deadline. Not an async function: its
 * frame would stay suspended for the whole upstream wait only to release the timer after it.
 */
export function withDeadline<T>(
  job: Pick<Job, 'gateway' | 'deadline'>,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const remaining = job.deadline - job.gateway.now()
  const bounded = withTimeout(signal, Math.max(0, remaining), 'The request timed out')
  let running: Promise<T>
  try {
    running = work(bounded.signal)
  } catch (error) {
    bounded.done()
    return Promise.reject(error)
  }
  return running.finally(bounded.done)
}

/**
 * Translates/optimizes the prompt (an LLM failure keeps the original, with a note), by the
 * job's deadline.
 */
export async function preparePrompt(job: Job, signal: AbortSignal): Promise<PromptedImage> {
  const { gateway, input, resolved } = job
  const maxLength = Math.max(...resolved.routes.map((r) => r.model.capabilities.maxPromptLength))
  const prepared = gateway.preparePrompt
    ? await withDeadline(job, signal, (bounded) =>
        gateway.preparePrompt!(input.prompt, {
          optimize: input.optimize ?? false,
          maxLength,
          signal: bounded,
        }),
      )
    : { prompt: input.prompt, promptModel: null }
  return { ...prepared, size: fitRequest(input, resolved.routes[0]!.model.capabilities).size }
}

/**
 * Fits the request to each candidate target, fails over across targets within the deadline,
 * then sniffs and stores the images under `keys` (when null: fresh random keys, or, for an
 * `inlineOnly` caller, not at all).
 */
export async function drawImages(
  job: Job,
  prompted: PromptedImage,
  options: { signal: AbortSignal; emit: Emit; keys: string[] | null },
): Promise<DrawnImages> {
  const { gateway, input, resolved } = job
  const { config, storage, now } = gateway
  const { emit } = options
  const requested = { ...input, prompt: prompted.prompt }
  const run = await runWithFailover(
    resolved.routes,
    (route, signal) =>
      attempt(gateway, route, { ...requested, ...job.inputs }, signal, emit).catch((error) => {
        throw withSecretsMasked(error, config)
      }),
    {
      signal: options.signal,
      deadline: job.deadline,
      attemptTimeoutMs: config.upstreamTimeoutMs,
      now,
      onAttempt: (route) =>
        emit?.({ type: 'attempt', provider: route.target.id, model: route.model.id }),
    },
  )
  const { images, seed, warnings } = run.value
  const upstreamModel = run.route.model.id
  const provider = run.route.target.provider.name
  const createdAt = now()
  const expiresAt = createdAt + config.imageExpirationSeconds * 1000
  // Content keys are stored for the next identical request; fresh keys only for a link.
  const store = storage && (options.keys || !input.inlineOnly) ? storage : null
  const records: GeneratedRecord[] = []
  for (const [index, image] of images.entries()) {
    const key = store ? (options.keys?.[index] ?? newImageKey()) : null
    if (store && key) {
      await store.put(key, image.bytes, {
        contentType: image.contentType,
        width: image.width,
        height: image.height,
        prompt: input.prompt,
        finalPrompt: prompted.prompt,
        promptModel: prompted.promptModel,
        model: upstreamModel,
        provider,
        seed,
        createdAt,
        expiresAt,
      })
    }
    records.push({ ...image, key })
  }
  const attempts = run.attempts
  return {
    images: records,
    upstreamModel,
    provider,
    seed,
    warnings,
    attempts,
    expiresAt,
    cached: false,
  }
}

type Identified = ImageInfo & Pick<GeneratedImage, 'bytes' | 'base64'>

/** One attempt on one target: as many upstream calls as the model needs for `n` images. */
async function attempt(
  gateway: Gateway,
  route: Route,
  requested: Job['input'] & Partial<JobInputs>,
  signal: AbortSignal,
  emit: Emit,
): Promise<{ images: Identified[]; seed: number | undefined; warnings: string[] }> {
  const { capabilities } = route.model
  const fitted = fitRequest(requested, capabilities)
  const { warnings } = fitted
  // Only routes that take the inputs get this far (input-routes.ts).
  const request: ImageRequest = requested.images
    ? { ...fitted.request, images: requested.images, mask: requested.mask }
    : fitted.request
  const perCall = capabilities.maxImagesPerCall
  // Unseeded: a random seed the reply can tell, drawn after fitting so no warning is about it.
  if (capabilities.seed) request.seed ??= randomSeed()
  const calls = Array.from(
    { length: Math.ceil(requested.n / perCall) },
    (_, index): ImageRequest => ({
      ...request,
      n: Math.min(perCall, requested.n - index * perCall),
      // Parallel calls of one seeded request must not draw the same picture.
      seed: request.seed === undefined ? undefined : offsetSeed(request.seed, index * perCall),
    }),
  )
  const { name } = route.target.provider
  const fetch = guardedFetch(gateway.fetch, {
    provider: name,
    maxBytes: gateway.config.maxUpstreamBytes,
  })
  const results = await Promise.all(
    calls.map((call) =>
      route.target.provider.generate(call, {
        model: route.model,
        key: route.target.key,
        signal,
        fetch,
        onProgress: (message) => emit?.({ type: 'upstream-progress', message }),
      }),
    ),
  )
  // The upstream's base64 is a view of its whole reply: kept only where a reply sends it on.
  const keepBase64 = requested.inlineOnly === true
  const images = results
    .flatMap((result) => result.images)
    .map((image) => identify(route, image, keepBase64))
  if (images.length === 0) {
    throw upstreamError(route.target.provider.name, 'server', 'the reply held no image')
  }
  // Never another format than the one asked for: this target failed, the next may not.
  const { outputFormat } = requested
  const other = images.find(
    (image) => outputFormat && image.contentType !== `image/${outputFormat}`,
  )
  if (other) {
    throw upstreamError(
      route.target.provider.name,
      'server',
      `asked for ${outputFormat}, the image was ${other.contentType.slice(6)}`,
    )
  }
  return { images, seed: results[0]?.seed ?? request.seed, warnings }
}

function identify(route: Route, image: GeneratedImage, keepBase64: boolean): Identified {
  const info = sniffImage(image.bytes)
  if (!info || info.width === 0 || info.height === 0) {
    throw upstreamError(
      route.target.provider.name,
      'server',
      'the reply was not a PNG, JPEG, WebP or GIF image',
    )
  }
  // A cut-off image is this target's failure, so the pool tries the next one.
  const missing = missingImageEnd(image.bytes, info.contentType)
  if (missing) {
    throw upstreamError(route.target.provider.name, 'server', `the image was cut off (${missing})`)
  }
  return { ...info, bytes: image.bytes, base64: keepBase64 ? image.base64 : undefined }
}

/**
 * A provider masks its own key in what it quotes; an upstream may also quote another target's
 * key, a client key or an LLM key, or only part of one. Its message reaches the client and
 * /v1/status, so it is masked against every configured secret before the pool sees it.
 */
function withSecretsMasked(error: unknown, config: Gateway['config']): unknown {
  if (!(error instanceof GatewayError) || !error.upstream) return error
  let mask = masks.get(config)
  if (!mask) {
    mask = secretMask(configuredSecrets(config))
    masks.set(config, mask)
  }
  error.message = mask(error.message)
  return error
}

/** Per configuration: its secrets indexed once, not on every failed attempt. */
const masks = new WeakMap<Gateway['config'], (text: string) => string>()
