import { GatewayError } from '../errors.ts'
import type { ImageSource } from '../request/fields.ts'
import {
  contentAddress,
  contentSecret,
  deterministicRequest,
  imageKeys,
  inputDigests,
  secretMaterial,
} from './content-key.ts'
import { type InputContext, inputError, readInputImages } from './input-images.ts'
import { inputShape, resolveModel, routesForInput } from './input-routes.ts'
import { routesForOutput } from './output-routes.ts'
import { drawImages, type Job, type JobInputs, preparePrompt, withDeadline } from './run.ts'
import { createSingleFlight, type SingleFlight } from './single-flight.ts'
import { readStored } from './stored.ts'
import type { Gateway, GenerationEvent, GenerationInput, GenerationResult } from './types.ts'

export type {
  Gateway,
  GeneratedRecord,
  GenerationEvent,
  GenerationInput,
  GenerationResult,
  PreparedPrompt,
  PromptPreparer,
} from './types.ts'

/** A result before its timing: shared as is by every caller of one seeded call in flight. */
type Untimed = Omit<GenerationResult, 'elapsedMs'>

/** Per gateway: its seeded calls in flight and its content-address secret. */
type Deterministic = {
  flights: SingleFlight<Untimed, GenerationEvent>
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
 * With an explicit seed the request is deterministic: its images are stored under content keys
 * (content-key.ts), served from the store when all are there, and identical requests in flight
 * in this process share one upstream call. Without one, every request draws a new image under
 * fresh random keys.
 */
export async function generateImages(
  gateway: Gateway,
  input: GenerationInput,
): Promise<GenerationResult> {
  const { signal, onProgress, origins, images, mask, ...params } = input
  const started = gateway.now()
  const deadline = started + gateway.config.requestTimeoutMs
  const shape = inputShape({ images, mask })
  // Every input check runs before the first image is read or any upstream is paid.
  const model = resolveModel(gateway.catalogue, params.model, shape)
  const routes = routesForOutput(model.id, routesForInput(model, shape), params)
  const resolved = { id: model.id, routes }
  try {
    const inputs = images?.length
      ? await withDeadline({ gateway, deadline }, signal, (bounded) =>
          readInputs(gateway, { images, mask }, { ownOrigins: origins ?? [], signal: bounded }),
        )
      : undefined
    const first = inputs?.images[0]
    const job: Job = {
      gateway,
      input: first
        ? { ...params, referenceSize: { width: first.width, height: first.height } }
        : params,
      inputs,
      resolved,
      deadline,
    }
    // No signal of its own for the deadline: the pool cuts each attempt short at it, and the
    // prompt's preparation has its own (preparePrompt).
    const result =
      params.seed === undefined
        ? await produce(job, signal, onProgress, null)
        : await coalesced(job, params.seed, signal, onProgress)
    return { ...result, elapsedMs: gateway.now() - started }
  } catch (error) {
    if (signal.aborted && !(error instanceof GatewayError)) {
      throw new GatewayError(499, 'client_closed', 'The client closed the request')
    }
    throw error
  }
}

/**
 * A seeded request: identical ones in flight share one call, which runs on the flight's signal
 * with the deadline of the request that began it.
 */
async function coalesced(
  job: Job,
  seed: number,
  signal: AbortSignal,
  onProgress: GenerationInput['onProgress'],
): Promise<Untimed> {
  const { flights, secret } = deterministicOf(job.gateway)
  const request = {
    ...deterministicRequest(job.gateway, job.resolved, { ...job.input, seed }),
    ...(await inputDigests(job.inputs)),
  }
  const address = await contentAddress(await secret, request)
  const keys = imageKeys(address, job.input.n)
  // Each caller keeps its own deadline: it holds even when the shared call never settles.
  const timeoutMs = job.deadline - job.gateway.now()
  return flights.run(address, { signal, timeoutMs, onEvent: onProgress }, (shared, emit) =>
    produce(job, shared, emit, keys),
  )
}

/**
 * Reads the images under `keys` from the store, or prepares the prompt and draws them (storing
 * them under `keys` when given, else under fresh keys), all by the job's deadline. Either way
 * the prompt is announced once it is known, and the result is built here.
 */
async function produce(
  job: Job,
  signal: AbortSignal,
  emit: GenerationInput['onProgress'],
  keys: string[] | null,
): Promise<Untimed> {
  const stored = keys ? await readStored(job.gateway, keys) : null
  const prompted = stored?.prompted ?? (await preparePrompt(job, signal))
  emit?.({ type: 'prompt-ready', model: job.resolved.id, ...prompted })
  const drawn =
    stored?.drawn ??
    (await drawImages(job, prompted, {
      signal,
      emit,
      // A prompt the LLM failed to prepare is not the one asked for: keep it out of the content
      // address, so the next identical request tries the LLM again.
      keys: prompted.note ? null : keys,
    }))
  return {
    ...drawn,
    model: job.resolved.id,
    prompt: job.input.prompt,
    finalPrompt: prompted.prompt,
    promptModel: prompted.promptModel,
    promptNote: prompted.note,
  }
}

/** Reads an edit's images and mask (input-images.ts). */
async function readInputs(
  gateway: Gateway,
  sources: { images: ImageSource[]; mask: ImageSource | undefined },
  context: InputContext,
): Promise<JobInputs> {
  const images = await readInputImages(gateway, sources.images, 'image', context)
  if (!sources.mask) return { images }
  const [mask] = await readInputImages(gateway, [sources.mask], 'mask', context)
  if (mask?.contentType !== 'image/png') {
    throw inputError(400, 'invalid_image', 'The mask must be a PNG with transparency', 'mask')
  }
  return { images, mask }
}
