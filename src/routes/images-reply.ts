import { base64Length, encodeBase64, encodeBase64Into } from '../bytes/base64.ts'
import type { GeneratedRecord, GenerationResult } from '../generate/index.ts'
import type { ImageQuality } from '../request/fields.ts'
import type { ImagesResponseFormat } from '../request/images.ts'

/**
 * The Images API's JSON reply, made as bytes. An image's base64 is a few hundred KB: as a string
 * it would be made, JSON-stringified and encoded again as UTF-8, each a copy or worse. Base64
 * needs no JSON escaping, so each `b64_json` is written straight into the reply's bytes instead:
 * the upstream's own text when it came in the standard spelling, else encoded in place.
 */

type ImageItem = { url?: string; b64_json?: string; revised_prompt?: string }

export type ImagesReplyOptions = {
  format: ImagesResponseFormat
  quality: ImageQuality | undefined
  origin: string
  now: number
}

const encoder = new TextEncoder()

/** What OpenAI's replies say about the output, for the reply and for each event. */
export function outputEcho(image: GeneratedRecord | undefined, quality: ImageQuality | undefined) {
  return {
    // The format the image really has, read from its bytes.
    output_format: image?.contentType.slice('image/'.length),
    // `medium` is the model's default steps (providers/fit.ts `stepsForQuality`).
    quality: quality === 'low' ? 'low' : quality === 'high' || quality === 'hd' ? 'high' : 'medium',
    // A transparent background is refused unless a model can draw one; none here can.
    background: 'opaque',
  }
}

/** OpenAI's reply, plus top-level fields the SDKs ignore and the playground shows. */
function imagesReply(result: GenerationResult, options: ImagesReplyOptions) {
  const { format, origin } = options
  const revised = result.finalPrompt !== result.prompt ? result.finalPrompt : undefined
  const data = result.images.map((image): ImageItem => {
    const item: ImageItem = {}
    if (format !== 'b64_json') {
      // Without storage there is no URL to hand out; a data URI is the only "url" possible.
      if (image.key) item.url = `${origin}/image/${image.key}`
      else if (format === 'url') {
        item.url = `data:${image.contentType};base64,${encodeBase64(image.bytes)}`
      }
    }
    if (format !== 'url') item.b64_json = ''
    if (revised) item.revised_prompt = revised
    return item
  })
  const first = result.images[0]
  return {
    created: Math.floor(options.now / 1000),
    data,
    model: result.model,
    provider: result.provider,
    seed: result.seed ?? null,
    size: first ? `${first.width}x${first.height}` : null,
    ...outputEcho(first, options.quality),
    prompt_model: result.promptModel,
    elapsed_ms: result.elapsedMs,
    expires_at: Math.floor(result.expiresAt / 1000),
    warnings: result.promptNote ? [...result.warnings, result.promptNote] : result.warnings,
  }
}

/** The reply's JSON as UTF-8, with every image's base64 in its `b64_json`. */
export function imagesReplyBody(
  result: GenerationResult,
  options: ImagesReplyOptions,
): Uint8Array<ArrayBuffer> {
  return withBase64(JSON.stringify(imagesReply(result, options)), result.images)
}

/**
 * `json` as UTF-8, with each empty `"b64_json":""` in it filled, in order, with the base64 of
 * `images` (fewer fields than images: the rest are left out).
 */
export function withBase64(json: string, images: GeneratedRecord[]): Uint8Array<ArrayBuffer> {
  // Cut after each `"b64_json":"`, where its image goes. Inside a JSON string every quote is
  // escaped, so that spelling only occurs where the reply put the field: once per image, in order.
  const texts = json.split(/(?<="b64_json":")/).map((text) => encoder.encode(text))
  const inline = images.slice(0, texts.length - 1)
  let length = 0
  for (const text of texts) length += text.length
  for (const image of inline) length += base64Length(image.bytes.length)
  const body = new Uint8Array(length)
  let at = 0
  for (const [index, text] of texts.entries()) {
    body.set(text, at)
    at += text.length
    const image = inline[index]
    if (image?.base64) {
      body.set(image.base64, at)
      at += image.base64.length
    } else if (image) at = encodeBase64Into(image.bytes, body, at)
  }
  return body
}
