import type { Context } from 'hono'
import { errorBody } from '../errors.ts'
import type { GenerationResult } from '../generate/index.ts'
import { recordError } from '../http/error-response.ts'
import { eventResponse } from '../http/event-response.ts'
import { events, JsonParts } from '../http/event-stream.ts'
import { runSignal } from '../http/run-signal.ts'
import type { ImageQuality } from '../request/fields.ts'
import type { AppEnv } from '../services.ts'
import { outputEcho, withBase64 } from './images-reply.ts'

/**
 * The Images API's `stream: true` answer, as OpenAI sends it and its SDKs parse it: an
 * `image_generation.completed` event (edits and variations: `image_edit.completed`) per image,
 * each with its `event:` line and the image as `b64_json`, and `: keep-alive` comments while it
 * is made. No upstream here sends previews, so `partial_images` never adds a
 * `*.partial_image` event. A failure after the headers went out is an `error` event holding
 * OpenAI's error object, which both official SDKs raise as an APIError.
 */

/** Tokens mean nothing to these models; OpenAI's types require the field, so it is sent as zeros. */
const NO_USAGE = {
  input_tokens: 0,
  input_tokens_details: { image_tokens: 0, text_tokens: 0 },
  output_tokens: 0,
  total_tokens: 0,
}

export type ImageStreamOptions = {
  /** `image_generation` for generations, `image_edit` for edits and variations. */
  kind: 'image_generation' | 'image_edit'
  quality: ImageQuality | undefined
  /** Makes the images; runs on a signal that aborts when the client leaves. */
  generate: (signal: AbortSignal) => Promise<GenerationResult>
}

/** Answers at once with the event stream; the images follow when they are made. */
export function imageEventStream(c: Context<AppEnv>, options: ImageStreamOptions): Response {
  const { kind, quality } = options
  // The request log line waits for the stream, so it carries the outcome and full duration.
  let closeLog = () => {}
  c.set('logAfter', new Promise<void>((resolve) => (closeLog = resolve)))
  const stream = events(
    { signal: runSignal(c), onClose: () => closeLog() },
    async (send, signal) => {
      try {
        const result = await options.generate(signal)
        const createdAt = Math.floor(c.get('services').now() / 1000)
        const type = `${kind}.completed`
        for (const image of result.images) {
          const event = {
            type,
            b64_json: '',
            created_at: createdAt,
            size: `${image.width}x${image.height}`,
            ...outputEcho(image, quality),
            usage: NO_USAGE,
          }
          send(new JsonParts(withBase64(JSON.stringify(event), [image])), type)
        }
      } catch (error) {
        // onError never sees a failure inside a stream: it is recorded here, and told in it.
        send({ type: 'error', ...errorBody(recordError(c, error)) }, 'error')
      }
    },
  )
  return eventResponse(stream, c.get('services').eventResponse)
}
