import { readBodyParts } from '../../bytes/body-parts.ts'
import { concatBytes } from '../../bytes/concat.ts'
import { abortOrNetworkError, callUpstream, upstreamError } from '../http.ts'
import { imageFile } from '../input-images.ts'
import { type MultipartEntry, multipartBody } from '../multipart-body.ts'
import type { CallContext, GeneratedImage, InputImage } from '../types.ts'
import { retryAfterSeconds } from '../upstream-errors.ts'
import { workersAiError } from './errors.ts'
import type { WorkersAiModel } from './models.ts'
import { readEnvelopeParts } from './reply-parts.ts'

/**
 * Workers AI over REST: `POST {CF_API_BASE}/accounts/{account_id}/ai/run/{model}` with a bearer
 * token. JSON models get a JSON body, FLUX.2 a real multipart/form-data body (with an edit's
 * images as files). Replies are either
 * the v4 envelope with a base64 image, or (Phoenix, SDXL, Dreamshaper) the image bytes themselves.
 */

export type RestCall = {
  provider: string
  baseUrl: string
  model: WorkersAiModel
  inputs: Record<string, string | number>
  /** An edit's images; only multipart models declare that they take any. */
  images: InputImage[]
  context: CallContext
  now: () => number
}

/** Splits the configured `accountId:token` key. */
function credentials(provider: string, key: string): { accountId: string; token: string } {
  const colon = key.indexOf(':')
  if (colon <= 0 || colon === key.length - 1) {
    throw upstreamError(provider, 'unauthorized', 'the account key is not "accountId:token"')
  }
  return { accountId: key.slice(0, colon), token: key.slice(colon + 1) }
}

/** The multipart form: every value a string, then the images as `input_image_0` to `_3` files. */
export function formEntries(
  inputs: Record<string, string | number>,
  images: InputImage[] = [],
): MultipartEntry[] {
  const entries: MultipartEntry[] = []
  for (const [name, value] of Object.entries(inputs)) entries.push([name, String(value)])
  for (const [index, image] of images.entries()) {
    entries.push([`input_image_${index}`, imageFile(image, `image-${index}`)])
  }
  return entries
}

/** The same form as a FormData (the binding takes the stream a Response makes of one). */
export function toFormData(
  inputs: Record<string, string | number>,
  images: InputImage[] = [],
): FormData {
  const form = new FormData()
  for (const [name, value] of formEntries(inputs, images)) {
    if (typeof value === 'string') form.append(name, value)
    else {
      const blob = new Blob([value.bytes as Uint8Array<ArrayBuffer>], { type: value.type })
      form.append(name, blob, value.filename)
    }
  }
  return form
}

/** Runs one model call over REST and returns its image, or throws a mapped GatewayError. */
export async function runRest(call: RestCall, key: string): Promise<GeneratedImage> {
  const { provider, model, inputs, context } = call
  const { accountId, token } = credentials(provider, key)
  const url = `${call.baseUrl}/accounts/${encodeURIComponent(accountId)}/ai/run/${encodeURI(model.id)}`
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  let body: BodyInit
  if (model.input === 'multipart') {
    // Written here rather than as a FormData: on Node that would cost a Blob per image and web
    // streams to read them back (multipart-body.ts); the bytes on the wire are the same form.
    const form = multipartBody(formEntries(inputs, call.images))
    headers['content-type'] = form.contentType
    body = form.body
  } else {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(inputs)
  }
  const response = await callUpstream(provider, context.fetch, url, {
    method: 'POST',
    headers,
    body,
    signal: context.signal,
  })

  // The body as it arrived: a 2 MB envelope is read across its parts, never joined (body-parts.ts).
  let parts: Uint8Array[]
  try {
    parts = await readBodyParts(response)
  } catch (error) {
    throw abortOrNetworkError(provider, context.signal, error)
  }
  const contentType = response.headers.get('content-type')?.toLowerCase() ?? ''
  const isImage = contentType.startsWith('image/') || contentType === 'application/octet-stream'
  if (response.ok && isImage) return { bytes: concatBytes(parts), mediaType: contentType }

  const reply = readEnvelopeParts(parts)
  const secrets = [accountId, token]
  if (!reply) {
    if (!response.ok) throw workersAiError(provider, [], errorOptions(call, response, secrets))
    throw upstreamError(provider, 'server', `malformed reply (HTTP ${response.status})`, {
      status: response.status,
    })
  }
  // `success: false` inside an HTTP 200 is a failure too.
  if (!response.ok || reply.success === false) {
    throw workersAiError(provider, reply.errors, errorOptions(call, response, secrets))
  }
  if (!reply.image) throw upstreamError(provider, 'server', 'the reply held no image')
  return { bytes: reply.image, base64: reply.base64 }
}

function errorOptions(call: RestCall, response: Response, secrets: string[]) {
  const now = call.now()
  return {
    status: response.status,
    retryAfter: retryAfterSeconds(response.headers, now),
    now,
    secrets,
  }
}
