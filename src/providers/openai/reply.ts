import * as z from 'zod/mini'
import { decodeBase64 } from '../../bytes/base64.ts'
import { downloadImage } from '../download.ts'
import { callJson, jsonHeaders, upstreamError } from '../http.ts'
import type { GeneratedImage } from '../types.ts'
import { openaiStyleError } from './errors.ts'

/**
 * The success reply of OpenAI-style image APIs: `{data: [{b64_json} | {url}]}` (OpenAI, LocalAI,
 * stable-diffusion.cpp, Together, another fluxgate). Base64 is asked for wherever the API allows,
 * so the usual path needs no second request; a URL is downloaded at once through download.ts,
 * since OpenAI's links last an hour and the gateway keeps bytes, never links.
 */

const item = z.object({
  // Empty strings stand for "absent" in some servers (LocalAI fills both fields).
  b64_json: z.nullish(z.string()),
  url: z.nullish(z.string()),
})
/** The 2xx reply body. */
export const imagesReply = z.object({ data: z.array(item) })

export type ReplyContext = {
  provider: string
  /** The configured base URL: image links on its host may be plain http or private. */
  baseUrl: string
  signal: AbortSignal
  fetch: typeof fetch
  onProgress?: (message: string) => void
}

/** The images of a checked reply: inline base64 decoded, links downloaded at once. */
export async function imagesFromReply(
  body: z.infer<typeof imagesReply>,
  context: ReplyContext,
): Promise<GeneratedImage[]> {
  const { provider } = context
  const images: GeneratedImage[] = []
  const urls: string[] = []
  for (const entry of body.data) {
    if (entry.b64_json) images.push({ bytes: decode(provider, entry.b64_json) })
    else if (entry.url) urls.push(entry.url)
  }
  if (urls.length) {
    context.onProgress?.(`downloading ${urls.length === 1 ? 'the image' : `${urls.length} images`}`)
    const downloaded = await Promise.all(
      urls.map((url) =>
        downloadImage(url, {
          provider,
          baseUrl: context.baseUrl,
          signal: context.signal,
          fetch: context.fetch,
        }),
      ),
    )
    images.push(...downloaded)
  }
  if (images.length === 0) throw upstreamError(provider, 'server', 'the reply held no image')
  return images
}

/** Decodes base64, also when a server wraps it as a `data:` URL. */
export function decode(provider: string, base64: string): Uint8Array {
  try {
    return decodeBase64(base64.replace(/^data:[^,]*,/, ''))
  } catch {
    throw upstreamError(provider, 'server', 'the reply held an image that is not valid base64')
  }
}

/**
 * `POST {baseUrl}/images/generations` on an OpenAI-style API (OpenAI, Together, LocalAI, ...)
 * and its images: errors read the OpenAI way, links downloaded at once.
 */
export function generateOpenAiStyle(
  call: ReplyContext & { key: string | null; body: unknown },
): Promise<GeneratedImage[]> {
  return postImages(call, '/images/generations', JSON.stringify(call.body))
}

/**
 * `POST {baseUrl}/images/edits` with a multipart form (images as files): the same reply, the same
 * errors. fetch writes the form's boundary into the content type itself.
 */
export function editOpenAiStyle(
  call: ReplyContext & { key: string | null; form: FormData },
): Promise<GeneratedImage[]> {
  return postImages(call, '/images/edits', call.form)
}

async function postImages(
  call: ReplyContext & { key: string | null },
  path: string,
  body: string | FormData,
): Promise<GeneratedImage[]> {
  const { provider, key } = call
  const hints = { models: 'the entry\'s "models"', baseUrl: 'the entry\'s "baseUrl"' }
  const headers = jsonHeaders(key ? `Bearer ${key}` : undefined)
  if (typeof body !== 'string') delete headers['content-type']
  const reply = await callJson(
    { provider, fetch: call.fetch, signal: call.signal },
    `${call.baseUrl}${path}`,
    { method: 'POST', headers, body },
    imagesReply,
    (response, text) => openaiStyleError(provider, response, text, key, hints),
  )
  return imagesFromReply(reply, call)
}
