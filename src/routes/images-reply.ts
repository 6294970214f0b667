import { base64Length, encodeBase64, encodeBase64Into } from '../bytes/base64.ts'
import type { GeneratedRecord, GenerationResult } from '../generate/index.ts'
import type { ImageQuality } from '../request/fields.ts'
import type { ImagesResponseFormat } from '../request/images.ts'

/**
 * The Images API's JSON reply, made as byte parts. An image's base64 is a few hundred KB to a few
 * MB: as a string it would be made, JSON-stringified and encoded again as UTF-8, each a copy or
 * worse. Base64 needs no JSON escaping, so each `b64_json` is a part of its own between the
 * JSON's: the upstream's own text when it came in the standard spelling, else encoded once.
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

/** The reply's JSON as UTF-8 parts, with every image's base64 in its `b64_json`. */
export function imagesReplyParts(
  result: GenerationResult,
  options: ImagesReplyOptions,
): Uint8Array[] {
  return withBase64(JSON.stringify(imagesReply(result, options)), result.images)
}

/**
 * `json` as UTF-8 parts, with each empty `"b64_json":""` in it filled, in order, with the base64
 * of `images` (fewer fields than images: the rest are left out). The parts are sent as they
 * are (http/parts-body.ts): an image's base64 is the upstream's own text, views of its reply's
 * parts, when it came in the standard spelling, else encoded into a part of its own.
 */
export function withBase64(json: string, images: GeneratedRecord[]): Uint8Array[] {
  // Cut after each `"b64_json":"`, where its image goes. Inside a JSON string every quote is
  // escaped, so that spelling only occurs where the reply put the field: once per image, in order.
  const texts = json.split(/(?<="b64_json":")/)
  const parts: Uint8Array[] = []
  for (const [index, text] of texts.entries()) {
    parts.push(encoder.encode(text))
    const image = index < texts.length - 1 ? images[index] : undefined
    if (image?.base64) parts.push(...image.base64)
    else if (image?.bytes.length) {
      const base64 = new Uint8Array(base64Length(image.bytes.length))
      encodeBase64Into(image.bytes, base64)
      parts.push(base64)
    }
  }
  return parts
}
