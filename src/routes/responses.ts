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
import { badRequest, errorBody } from '../errors.ts'
import {
  type GenerationEvent,
  type GenerationInput,
  type GenerationResult,
  generateImages,
} from '../generate/index.ts'
import { checkImageLink } from '../generate/input-images.ts'
import { checkRoutes } from '../generate/output-routes.ts'
import { readJsonObject } from '../http/body.ts'
import { recordError } from '../http/error-response.ts'
import { eventResponse } from '../http/event-response.ts'
import { linkOrigins } from '../http/origin.ts'
import { runSignal } from '../http/run-signal.ts'
import { limitApiGeneration } from '../middleware/rate-limit.ts'
import { addLogFields, generationLogFields, logAfterStream } from '../middleware/request-log.ts'
import { drawablePrompt } from '../prompt/options.ts'
import type { ImageParams } from '../request/fields.ts'
import { imageOutput } from '../request/image-output.ts'
import { parseResponsesBody } from '../request/responses.ts'
import { readResponsesInput } from '../responses/input.ts'
import { imageCallItem, newResponseMeta, responseObject } from '../responses/objects.ts'
import { type ResponseWriter, responseOutput, responsesEvents } from '../responses/stream.ts'
import type { AppEnv } from '../services.ts'
import type { ChatRouteOptions } from './chat.ts'
import { outputEcho } from './images-reply.ts'

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
    if (parsed.edit) {
      // The images of earlier replies are not in a Responses conversation (item references).
      throw badRequest('--edit is for chat; send the image to edit as an input_image.', input.param)
    }
    // Links to this gateway's own /image/{key} are read from the store, not fetched.
    const origins = linkOrigins(c.req.raw, config.publicUrl)
    for (const [position, image] of input.images.entries()) {
      const name = input.images.length > 1 ? `image ${position + 1}` : 'image'
      checkImageLink(image.url, origins, { name, param: image.param })
    }
    const tool = request.imageTool
    // With the tool, `model` names the text model that would call it: an unknown one asks nothing.
    const named = tool && request.model && !catalogue.has(request.model) ? undefined : request.model
    const images = input.images.map(({ url }) => ({ url }))
    const model = chooseModel(catalogue, parsed.model ?? tool?.model ?? named, {
      images: images.length,
      mask: false,
    })
    // The tool asks of the output what the Images API's fields do (a format, a background).
    const output = tool ? imageOutput(tool).image : {}
    const image: ImageParams = {
      prompt: parsed.prompt,
      negativePrompt: parsed.negativePrompt,
      // What the prompt itself says is the more specific ask, so it wins over the tool's size.
      width: parsed.width ?? tool?.size?.width,
      height: parsed.height ?? tool?.size?.height,
      seed: parsed.seed,
      steps: parsed.steps,
      n: 1,
      model: model.requested,
      images,
      ...output,
    }
    // Before anything is counted or streamed, so what no model can give is a plain 400.
    checkRoutes(catalogue, image)
    await limitApiGeneration(c)
    addLogFields(c, { model: model.id, prompt: input.original })
    const meta = newResponseMeta(request, model.id, services.now())
    const notes = { fallback: model.fallback, inputs: images.length }
    const generation = (
      signal: AbortSignal,
      onProgress?: (event: GenerationEvent) => void,
    ): GenerationInput => ({
      ...image,
      optimize: config.promptOptimization,
      origins,
      signal,
      onProgress,
    })
    const drawn = (result: GenerationResult) => {
      addLogFields(c, generationLogFields(result))
      const record = result.images[0]!
      const format = config.chatImageFormat
      return { record, shown: replyImage(record, parsed.prompt, { origin: origins[0]!, format }) }
    }
    /** The image tool's call, then a caption. */
    const drawWithTool = async (writer: ResponseWriter, signal: AbortSignal) => {
      const call = writer.imageCall()
      const onProgress = (event: GenerationEvent) => {
        if (event.type === 'attempt') call.generating()
      }
      const result = await generate(services, generation(signal, onProgress))
      const { record, shown } = drawn(result)
      call.done(imageCallItem(call.id, record, result, outputEcho(record, output.quality)))
      const message = writer.message()
      message.text(captionText(language, { ...notes, result, image: shown }))
      message.done()
    }
    /** Chat's markdown reply; progress lines only in a stream, as chat's non-streaming reply. */
    const drawAsMarkdown = async (writer: ResponseWriter, signal: AbortSignal) => {
      const message = writer.message()
      message.text(openingSection(language, input.original, notes))
      const onProgress = (event: GenerationEvent) => {
        if (request.stream || event.type === 'prompt-ready') {
          message.text(progressText(language, event))
        }
      }
      const result = await generate(services, generation(signal, onProgress))
      message.text(resultSection(language, result, drawn(result).shown))
      message.done()
    }
    const produce = tool ? drawWithTool : drawAsMarkdown

    if (!request.stream) {
      const out = responseOutput(() => {})
      await produce(out.writer, runSignal(c))
      const usage = out.usage(input.original)
      return c.json(responseObject(meta, { status: 'completed', output: out.output, usage }))
    }
    const events = responsesEvents(
      {
        meta,
        prompt: input.original,
        keepAliveMs: options.keepAliveMs,
        signal: runSignal(c),
        onClose: logAfterStream(c),
        // onError never sees a failure inside a stream: it is recorded here, and told in it.
        describeError: (error) => {
          const failure = recordError(c, error)
          return { text: failureText(language, failure.message), error: errorBody(failure).error }
        },
      },
      produce,
    )
    return eventResponse(events, services.eventResponse)
  })
  return routes
}
