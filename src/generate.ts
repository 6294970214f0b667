import type { Config } from './config.ts'
import { GatewayError } from './errors.ts'
import {
  contentAddress,
  contentSecret,
  deterministicRequest,
  imageKeys,
  secretMaterial,
} from './generate/content-key.ts'
import { runGeneration } from './generate/run.ts'
import { createSingleFlight, type SingleFlight } from './generate/single-flight.ts'
import { readStored } from './generate/stored.ts'
import { withTimeout } from './http/deadline.ts'
import type { ImageInfo } from './image/sniff.ts'
import type { Catalogue } from './pool/catalogue.ts'
import type { RequestedImage } from './providers/fit.ts'
import type { ImageStore } from './storage/types.ts'

/** The prompt after translation/optimization, and who produced it. */
export type PreparedPrompt = {
  prompt: string
  /** The LLM that rewrote it; null when the prompt went through unchanged. */
  promptModel: string | null
  /** Why the original was kept (LLM failed, timed out, ...), for the reply. */
  note?: string
}

/** Translates and/or optimizes a prompt (prompt/optimizer.ts); never throws for an LLM failure. */
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

/** Progress of one generation, for streaming clients. */
export type GenerationEvent =
  | ({
      type: 'prompt-ready'
      model: string
      size: { width: number; height: number } | null
    } & PreparedPrompt)
  | { type: 'attempt'; provider: string; model: string }
  | { type: 'upstream-progress'; message: string }

/** What a route asks `generateImages` for. */
export type GenerationInput = RequestedImage & {
  /** Public or provider-qualified model id; the default model when absent. */
  model?: string
  /** Rewrite the prompt through the LLM (translation of non-ASCII prompts happens regardless). */
  optimize?: boolean
  /** The client's signal: aborting it cancels upstream work (shared work: once all have left). */
  signal: AbortSignal
  onProgress?: (event: GenerationEvent) => void
}

/** One image as generated or read back, with where it is stored. */
export type GeneratedRecord = ImageInfo & {
  bytes: Uint8Array
  /** Storage key, or null when no storage is configured (the caller must inline the bytes). */
  key: string | null
}

/** Everything a route needs to answer, whichever path produced the images. */
export type GenerationResult = {
  images: GeneratedRecord[]
  /** The public model id that was asked for, after defaults. */
  model: string
  upstreamModel: string
  provider: string
  /** The seed actually used: the upstream's word when it says, else the one sent. */
  seed: number | undefined
  prompt: string
  finalPrompt: string
  promptModel: string | null
  promptNote: string | undefined
  warnings: string[]
  /** Upstream attempts made for this request (0 when served from the store). */
  attempts: number
  elapsedMs: number
  expiresAt: number
  /** True when a seeded request was answered from the store, without an upstream call. */
  cached?: boolean
}

/** Per gateway: its seeded calls in flight and its content-address secret. */
type Deterministic = {
  flights: SingleFlight<GenerationResult, GenerationEvent>
  secret: Promise<CryptoKey>
}
const deterministic = new WeakMap<Gateway, Deterministic>()

function deterministicOf(gateway: Gateway): Deterministic {
  let state = deterministic.get(gateway)
  if (!state) {
    const material = secretMaterial(gateway.config, gateway.catalogue)
    state = { flights: createSingleFlight(), secret: contentSecret(material) }
    deterministic.set(gateway, state)
  }
  return state
}

/**
 * The one path every endpoint uses: resolve the model, prepare the prompt, fit the request to
 * each candidate target, fail over across targets within the deadline, sniff and store the
 * images. Images are stored before this returns, so a URL handed out always resolves.
 *
 * With an explicit seed the request is deterministic (SPEC section 9): its images are stored
 * under content keys (generate/content-key.ts), served from the store when all are there, and
 * identical requests in flight in this process share one upstream call. Without one, every
 * request draws a new image under fresh random keys.
 */
export async function generateImages(
  gateway: Gateway,
  input: GenerationInput,
): Promise<GenerationResult> {
  const started = gateway.now()
  const resolved = gateway.catalogue.resolve(input.model)
  if (input.seed === undefined)
    return withDeadline(gateway, input.signal, started, (signal) =>
      runGeneration(gateway, input, {
        resolved,
        signal,
        started,
        deadline: started + gateway.config.requestTimeoutMs,
      }),
    )

  const { flights, secret } = deterministicOf(gateway)
  const address = await contentAddress(
    await secret,
    deterministicRequest(gateway, resolved, { ...input, seed: input.seed }),
  )
  const keys = imageKeys(address, input.n)
  try {
    const result = await flights.run(
      address,
      {
        signal: input.signal,
        // Each caller's own deadline: it holds even when the shared call never settles.
        timeoutMs: started + gateway.config.requestTimeoutMs - gateway.now(),
        onEvent: input.onProgress,
      },
      // The shared call runs on the flight's signal, with the deadline of the request that began it.
      (signal, emit) =>
        withDeadline(gateway, signal, started, async (bounded) => {
          const shared = { ...input, signal: bounded, onProgress: emit }
          return (
            (await readStored(gateway, shared, { model: resolved.id, keys, started })) ??
            (await runGeneration(gateway, shared, {
              resolved,
              signal: bounded,
              started,
              deadline: started + gateway.config.requestTimeoutMs,
              // A prompt the LLM failed to prepare is not the one asked for: keep it out of
              // the content address, so the next identical request tries the LLM again.
              keysFor: (prepared) => (prepared.note ? null : keys),
            }))
          )
        }),
    )
    return { ...result, elapsedMs: gateway.now() - started }
  } catch (error) {
    if (input.signal.aborted && !(error instanceof GatewayError)) {
      throw new GatewayError(499, 'client_closed', 'The client closed the request')
    }
    throw error
  }
}

/** Runs `work` on a signal that also aborts when REQUEST_TIMEOUT has passed since `started`. */
async function withDeadline<T>(
  gateway: Gateway,
  signal: AbortSignal,
  started: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const remaining = started + gateway.config.requestTimeoutMs - gateway.now()
  const bounded = withTimeout(signal, Math.max(0, remaining), 'The request timed out')
  try {
    return await work(bounded.signal)
  } finally {
    bounded.done()
  }
}

/** Guards shared by every endpoint's input validation. */
export function assertPrompt(prompt: string | undefined, param = 'prompt'): string {
  const trimmed = prompt?.trim()
  if (!trimmed) throw new GatewayError(400, 'invalid_prompt', 'The prompt is empty.', { param })
  return trimmed
}
