import type { Context } from 'hono'
import { Hono } from 'hono/tiny'
import {
  type CompletionMeta,
  chatCompletion,
  type ImageOutput,
  newCompletionMeta,
  usageOf,
} from '../chat/completion.ts'
import { editImages } from '../chat/edit-images.ts'
import { answerHousekeeping, detectHousekeeping } from '../chat/housekeeping.ts'
import { replyImage } from '../chat/image-link.ts'
import { lastUserIndex, promptOf } from '../chat/messages.ts'
import { chooseModel } from '../chat/model-choice.ts'
import {
  captionText,
  failureText,
  fullReply,
  openingSection,
  progressText,
  resultSection,
} from '../chat/reply-text.ts'
import { chatEvents } from '../chat/stream.ts'
import { errorBody } from '../errors.ts'
import {
  type Gateway,
  type GenerationInput,
  type GenerationResult,
  generateImages,
} from '../generate/index.ts'
import { checkImageLink, ownImageKey } from '../generate/input-images.ts'
import { readJsonObject } from '../http/body.ts'
import { recordError } from '../http/error-response.ts'
import { eventResponse } from '../http/event-response.ts'
import type { EventSource } from '../http/event-stream.ts'
import { linkOrigins } from '../http/origin.ts'
import { runSignal } from '../http/run-signal.ts'
import { limitApiGeneration } from '../middleware/rate-limit.ts'
import { addLogFields, generationLogFields, logAfterStream } from '../middleware/request-log.ts'
import { drawablePrompt } from '../prompt/options.ts'
import { parseChatBody } from '../request/chat.ts'
import type { AppEnv } from '../services.ts'

/** Test seams: the generation function and the keep-alive interval. */
export type ChatRouteOptions = {
  generate?: (gateway: Gateway, input: GenerationInput) => Promise<GenerationResult>
  /** Milliseconds between `: keep-alive` comments; default KEEP_ALIVE_MS (8 s). */
  keepAliveMs?: number
}

/** A finished text (and images, OpenRouter's way) as a whole `chat.completion`. */
function textReply(
  c: Context<AppEnv>,
  meta: CompletionMeta,
  prompt: string,
  text: string,
  images?: ImageOutput[],
) {
  return c.json(chatCompletion(meta, text, usageOf(prompt, text), images))
}

/** An image for `message.images` or (with its `index`) `delta.images`. */
const imageOutput = (url: string, index?: number): ImageOutput => ({
  type: 'image_url',
  image_url: { url },
  ...(index !== undefined && { index }),
})

/** POST /v1/chat/completions: an image for the last user message. */
export function chatRoutes(options: ChatRouteOptions = {}): Hono<AppEnv> {
  const generate = options.generate ?? generateImages
  const routes = new Hono<AppEnv>()

  routes.post('/v1/chat/completions', async (c) => {
    const services = c.get('services')
    const { config, catalogue } = services
    const language = config.replyLanguage
    const request = parseChatBody(await readJsonObject(c))
    const streamOptions = (meta: CompletionMeta, prompt: string) => ({
      meta,
      prompt,
      includeUsage: request.includeUsage,
      keepAliveMs: options.keepAliveMs,
      signal: runSignal(c),
      onClose: logAfterStream(c),
      // onError never sees a failure inside a stream: it is recorded here, and told in it.
      describeError: (error: unknown) => {
        const failure = recordError(c, error)
        return { text: failureText(language, failure.message), body: errorBody(failure) }
      },
    })
    const sse = (events: EventSource) => eventResponse(events, services.eventResponse)

    const housekeeping = detectHousekeeping(request.messages)
    if (housekeeping) {
      const meta = newCompletionMeta(chooseModel(catalogue, request.model).id, services.now())
      const answer = answerHousekeeping(housekeeping, request.messages, language)
      addLogFields(c, { model: meta.model, housekeeping: housekeeping.kind })
      if (!request.stream) return textReply(c, meta, housekeeping.text, answer)
      return sse(chatEvents(streamOptions(meta, housekeeping.text), async (emit) => emit(answer)))
    }

    const original = promptOf(request.messages)
    const index = lastUserIndex(request.messages)
    const parsed = drawablePrompt(original, `messages.${index}.content`)
    // Links to this gateway's own /image/{key} are read from the store, not fetched.
    const origins = linkOrigins(c.req.raw, config.publicUrl)
    const images = editImages(request.messages, {
      index,
      edit: parsed.edit === true,
      isOwn: (url) => ownImageKey(url, origins) !== null,
    })
    for (const [position, image] of images.entries()) {
      const name = images.length > 1 ? `image ${position + 1}` : 'image'
      checkImageLink(image.url, origins, { name, param: image.param })
    }
    const shape = { images: images.length, mask: false }
    const model = chooseModel(catalogue, parsed.model ?? request.model, shape)
    // Before any stream opens, so a refusal is a plain 429 with Retry-After.
    await limitApiGeneration(c)
    const meta = newCompletionMeta(model.id, services.now())
    addLogFields(c, { model: model.id, prompt: original })
    const input = (signal: AbortSignal): GenerationInput => ({
      prompt: parsed.prompt,
      negativePrompt: parsed.negativePrompt,
      // What the prompt itself says is the more specific ask, so it wins over the body's fields.
      width: parsed.width ?? request.ratioSize?.width,
      height: parsed.height ?? request.ratioSize?.height,
      seed: 'seed' in parsed ? parsed.seed : request.seed,
      steps: parsed.steps,
      n: 1,
      model: model.requested,
      images: images.map(({ url }) => ({ url })),
      origins,
      optimize: config.promptOptimization,
      signal,
    })
    const notes = { fallback: model.fallback, inputs: images.length }
    const imageOf = (result: GenerationResult) =>
      replyImage(result.images[0]!, parsed.prompt, {
        origin: origins[0]!,
        // OpenRouter sends `images` as data: URLs, and the clients that read them decode them so.
        format: request.imagesOut ? 'data_uri' : config.chatImageFormat,
      })
    const logResult = (result: GenerationResult) => addLogFields(c, generationLogFields(result))
    const caption = (result: GenerationResult, image: ReturnType<typeof imageOf>) =>
      captionText(language, { ...notes, result, image })

    if (!request.stream) {
      const result = await generate(services, input(runSignal(c)))
      logResult(result)
      const image = imageOf(result)
      if (request.imagesOut) {
        return textReply(c, meta, original, caption(result, image), [imageOutput(image.url)])
      }
      const text = fullReply(language, { ...notes, original, result, image })
      return textReply(c, meta, original, text)
    }

    if (request.imagesOut) {
      return sse(
        chatEvents(streamOptions(meta, original), async (emit, signal) => {
          const result = await generate(services, input(signal))
          logResult(result)
          const image = imageOf(result)
          emit(caption(result, image))
          // A chunk of their own: LobeChat reads no text in a chunk that carries images.
          emit({ images: [imageOutput(image.url, 0)] })
        }),
      )
    }

    return sse(
      chatEvents(streamOptions(meta, original), async (emit, signal) => {
        emit(openingSection(language, original, notes))
        const result = await generate(services, {
          ...input(signal),
          onProgress: (event) => emit(progressText(language, event)),
        })
        logResult(result)
        emit(resultSection(language, result, imageOf(result)))
      }),
    )
  })
  return routes
}
