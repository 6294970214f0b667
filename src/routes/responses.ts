import { Hono } from 'hono/tiny'
import { replyImage } from '../chat/image-link.ts'
import { chooseModel } from '../chat/model-choice.ts'
import {
  captionText,
  failureText,
  openingSection,
  progressText,
  resultSection,
} from '../chat/reply-text.ts'
import { errorBody } from '../errors.ts'
import {
  type GenerationEvent,
  type GenerationInput,
  type GenerationResult,
  generateImages,
} from '../generate/index.ts'
import { routesForInput } from '../generate/input-routes.ts'
import { readJsonObject } from '../http/body.ts'
import { recordError } from '../http/error-response.ts'
import { publicOrigin } from '../http/origin.ts'
import { SSE_HEADERS } from '../http/sse.ts'
import { limitApiGeneration } from '../middleware/rate-limit.ts'
import { addLogFields, generationLogFields, logAfterStream } from '../middleware/request-log.ts'
import { drawablePrompt } from '../prompt/options.ts'
import { parseResponsesBody } from '../request/responses.ts'
import { readResponsesInput } from '../responses/input.ts'
import {
  imageCallItem,
  imageFormat,
  newResponseMeta,
  responseObject,
} from '../responses/objects.ts'
import { type ResponseWriter, responseOutput, responsesStream } from '../responses/stream.ts'
import type { AppEnv } from '../services.ts'
import type { ChatRouteOptions } from './chat.ts'

/**
 * `POST /v1/responses`, OpenAI's Responses API, which `client.responses.create` and the AI SDK's
 * default `openai(...)` model call. It draws like chat: the prompt (a string `input`, else the
 * last user message, with its inline options) and that message's images, which make an edit.
 * Without the `image_generation` tool the answer is one message with chat's markdown reply;
 * with it, an `image_generation_call` item carrying the image as base64, then a one-line caption
 * (no markdown image, so no client shows the picture twice). Streamed: responses/stream.ts.
 */
export function responsesRoutes(options: ChatRouteOptions = {}): Hono<AppEnv> {
  const generate = options.generate ?? generateImages
  const routes = new Hono<AppEnv>()

  routes.post('/v1/responses', async (c) => {
    const services = c.get('services')
    const { config, catalogue } = services
    const language = config.replyLanguage
    const request = parseResponsesBody(await readJsonObject(c))
    const input = readResponsesInput(request.input)
    const parsed = drawablePrompt(input.original, input.param)
    const tool = request.imageTool
    const shape = { images: input.images.length, mask: false }
    // With the tool, `model` names the text model that would call it: an unknown one asks nothing.
    const named = tool && request.model && !catalogue.has(request.model) ? undefined : request.model
    const model = chooseModel(catalogue, parsed.model ?? tool?.model ?? named, shape)
    // Before anything is counted or streamed, so a model that cannot take the input is a plain 400.
    routesForInput(model.resolved, shape)
    await limitApiGeneration(c)
    addLogFields(c, { model: model.id, prompt: input.original })
    const meta = newResponseMeta(request, model.id, services.now())
    const origin = publicOrigin(c.req.raw, config.publicUrl)
    const generation = (
      signal: AbortSignal,
      onProgress?: (event: GenerationEvent) => void,
    ): GenerationInput => ({
      prompt: parsed.prompt,
      negativePrompt: parsed.negativePrompt,
      // What the prompt itself says is the more specific ask, so it wins over the tool's size.
      width: parsed.width ?? tool?.size?.width,
      height: parsed.height ?? tool?.size?.height,
      seed: parsed.seed,
      steps: parsed.steps,
      n: 1,
      model: model.requested,
      optimize: config.promptOptimization,
      images: input.images,
      // Links to this gateway's own /image/{key} are read from the store, not fetched.
      origins: [origin, new URL(c.req.url).origin],
      signal,
      onProgress,
    })
    const drawn = (result: GenerationResult) => {
      addLogFields(c, generationLogFields(result))
      const record = result.images[0]!
      const image = replyImage(record, parsed.prompt, { origin, format: config.chatImageFormat })
      return { record, image }
    }
    /** The image tool's call, then a caption, which names a format other than the one asked. */
    const drawWithTool = async (writer: ResponseWriter, signal: AbortSignal) => {
      const call = writer.imageCall()
      const onProgress = (event: GenerationEvent) => {
        if (event.type === 'attempt') call.generating()
      }
      const result = await generate(services, generation(signal, onProgress))
      const { record, image } = drawn(result)
      const made = imageFormat(record)
      const asked = tool?.output_format
      const warnings =
        asked && asked !== made
          ? [
              ...result.warnings,
              `${asked.toUpperCase()} was asked for; the image is a ${made.toUpperCase()}`,
            ]
          : result.warnings
      call.done(imageCallItem(call.id, record, result, tool?.quality))
      const message = writer.message()
      message.text(
        captionText(language, { fallback: model.fallback, result: { ...result, warnings }, image }),
      )
      message.done()
    }
    /** Chat's markdown reply; progress lines only in a stream, as chat's non-streaming reply. */
    const drawAsMarkdown = async (writer: ResponseWriter, signal: AbortSignal) => {
      const message = writer.message()
      message.text(openingSection(language, input.original, model.fallback))
      const onProgress = (event: GenerationEvent) => {
        if (request.stream || event.type === 'prompt-ready') {
          message.text(progressText(language, event))
        }
      }
      const result = await generate(services, generation(signal, onProgress))
      message.text(resultSection(language, result, drawn(result).image))
      message.done()
    }
    const produce = tool ? drawWithTool : drawAsMarkdown

    if (!request.stream) {
      const out = responseOutput(() => {})
      await produce(out.writer, c.req.raw.signal)
      const usage = out.usage(input.original)
      return c.json(responseObject(meta, { status: 'completed', output: out.output, usage }))
    }
    const stream = responsesStream(
      {
        meta,
        prompt: input.original,
        keepAliveMs: options.keepAliveMs,
        signal: c.req.raw.signal,
        onClose: logAfterStream(c),
        // onError never sees a failure inside a stream: it is recorded here, and told in it.
        describeError: (error) => {
          const failure = recordError(c, error)
          return { text: failureText(language, failure.message), error: errorBody(failure).error }
        },
      },
      produce,
    )
    return new Response(stream, { status: 200, headers: SSE_HEADERS })
  })
  return routes
}
