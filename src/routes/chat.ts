import type { Context } from 'hono'
import { Hono } from 'hono/tiny'
import {
  type CompletionMeta,
  chatCompletion,
  newCompletionMeta,
  usageOf,
} from '../chat/completion.ts'
import { answerHousekeeping, detectHousekeeping } from '../chat/housekeeping.ts'
import { imageLink } from '../chat/image-link.ts'
import { lastUserIndex, promptOf } from '../chat/messages.ts'
import {
  attemptLine,
  failureText,
  fullReply,
  openingSection,
  progressLine,
  promptSection,
  resultSection,
} from '../chat/reply-text.ts'
import { chatStream, SSE_HEADERS } from '../chat/stream.ts'
import { badRequest } from '../errors.ts'
import {
  type Gateway,
  type GenerationInput,
  type GenerationResult,
  generateImages,
} from '../generate/index.ts'
import { readJsonObject } from '../http/body.ts'
import { recordError } from '../http/error-response.ts'
import { publicOrigin } from '../http/origin.ts'
import { limitApiGeneration } from '../middleware/rate-limit.ts'
import { addLogFields, generationLogFields } from '../middleware/request-log.ts'
import type { Catalogue } from '../pool/catalogue.ts'
import { parsePromptOptions } from '../prompt/options.ts'
import { parseChatBody } from '../request/chat.ts'
import type { AppEnv } from '../services.ts'

/** Test seams: the generation function and the keep-alive interval. */
export type ChatRouteOptions = {
  generate?: (gateway: Gateway, input: GenerationInput) => Promise<GenerationResult>
  /** Milliseconds between `: keep-alive` comments; default KEEP_ALIVE_MS (8 s). */
  keepAliveMs?: number
}

/**
 * The model to use: the prompt's `--model`, else the body's `model`, when the catalogue knows
 * it. Chat clients send whatever model name the person picked, so an unknown one is not an
 * error: the default model draws it, and `fallback` lets the reply say so.
 */
function chooseModel(catalogue: Catalogue, asked: string | undefined) {
  const known = asked !== undefined && catalogue.has(asked)
  const id = catalogue.resolve(known ? asked : undefined).id
  return {
    id,
    requested: known ? asked : undefined,
    fallback: asked !== undefined && !known ? { asked, model: id } : undefined,
  }
}

/** A finished text as a whole `chat.completion`. */
function textReply(c: Context<AppEnv>, meta: CompletionMeta, prompt: string, text: string) {
  return c.json(chatCompletion(meta, text, usageOf(prompt, text)))
}

/** POST /v1/chat/completions: an image for the last user message. */
export function chatRoutes(options: ChatRouteOptions = {}): Hono<AppEnv> {
  const generate = options.generate ?? generateImages
  const routes = new Hono<AppEnv>()

  routes.post('/v1/chat/completions', async (c) => {
    const services = c.get('services')
    const { config, catalogue } = services
    const language = config.replyLanguage
    const request = parseChatBody(await readJsonObject(c))
    const streamOptions = (meta: CompletionMeta, prompt: string) => {
      // The request log line waits for the stream, so it carries the outcome and full duration.
      let closeLog = () => {}
      c.set('logAfter', new Promise<void>((resolve) => (closeLog = resolve)))
      return {
        meta,
        prompt,
        includeUsage: request.includeUsage,
        keepAliveMs: options.keepAliveMs,
        signal: c.req.raw.signal,
        onClose: () => closeLog(),
        // onError never sees a failure inside a stream: it is recorded here, and told as text.
        describeError: (error: unknown) => failureText(language, recordError(c, error).message),
      }
    }
    const sse = (body: ReadableStream<Uint8Array>) =>
      new Response(body, { status: 200, headers: SSE_HEADERS })

    const housekeeping = detectHousekeeping(request.messages)
    if (housekeeping) {
      const meta = newCompletionMeta(chooseModel(catalogue, request.model).id, services.now())
      const answer = answerHousekeeping(housekeeping, request.messages, language)
      addLogFields(c, { model: meta.model, housekeeping: housekeeping.kind })
      if (!request.stream) return textReply(c, meta, housekeeping.text, answer)
      return sse(chatStream(streamOptions(meta, housekeeping.text), async (emit) => emit(answer)))
    }

    const original = promptOf(request.messages)
    const parsed = parsePromptOptions(original)
    if (!parsed.prompt) {
      throw badRequest(
        'The prompt is empty once its options (size, ratio, --flags) are taken out.',
        `messages.${lastUserIndex(request.messages)}.content`,
      )
    }
    const model = chooseModel(catalogue, parsed.model ?? request.model)
    // Before any stream opens, so a refusal is a plain 429 with Retry-After.
    await limitApiGeneration(c)
    const meta = newCompletionMeta(model.id, services.now())
    addLogFields(c, { model: model.id, prompt: original })
    const input = (signal: AbortSignal): GenerationInput => ({
      prompt: parsed.prompt,
      negativePrompt: parsed.negativePrompt,
      width: parsed.width,
      height: parsed.height,
      seed: parsed.seed,
      steps: parsed.steps,
      n: 1,
      model: model.requested,
      optimize: config.promptOptimization,
      signal,
    })
    const imageOf = (result: GenerationResult) => {
      const record = result.images[0]!
      const origin = publicOrigin(c.req.raw, config.publicUrl)
      return {
        alt: parsed.prompt,
        url: imageLink(record, { origin, format: config.chatImageFormat }),
        size: { width: record.width, height: record.height },
      }
    }
    const logResult = (result: GenerationResult) => addLogFields(c, generationLogFields(result))

    if (!request.stream) {
      const result = await generate(services, input(c.req.raw.signal))
      logResult(result)
      const text = fullReply(language, {
        original,
        fallback: model.fallback,
        result,
        image: imageOf(result),
      })
      return textReply(c, meta, original, text)
    }

    return sse(
      chatStream(streamOptions(meta, original), async (emit, signal) => {
        emit(openingSection(language, original, model.fallback))
        let announced: { width: number; height: number } | null = null
        const result = await generate(services, {
          ...input(signal),
          onProgress: (event) => {
            if (event.type === 'prompt-ready') {
              announced = event.size
              emit(promptSection(language, event, event.size))
            } else if (event.type === 'attempt') {
              emit(attemptLine(language, event.model, event.provider))
            } else emit(progressLine(event.message))
          },
        })
        logResult(result)
        emit(resultSection(language, result, imageOf(result), announced))
      }),
    )
  })
  return routes
}
