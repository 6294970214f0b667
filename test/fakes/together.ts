import type { ServerResponse } from 'node:http'
import { type ContractMode, testPng, waitOrDisconnect } from '../contracts/provider.ts'
import { readImageField } from './input-images.ts'
import {
  type FakeServer,
  fileShelf,
  generationBodies,
  type RecordedRequest,
  sendJson,
  startFakeServer,
} from './server.ts'

/**
 * A fake Together AI on 127.0.0.1: `POST /v1/images/generations` with a bearer key answers
 * `{id, model, object: "list", data: [{index, type: "b64_json", b64_json}]}` (or `type: "url"`
 * items whose URLs point back here, `GET /files/<n>.png`). Together's error bodies are
 * not confirmed in Together's docs, so the fake speaks both shapes seen in the
 * wild: OpenAI's `{error: {message, type, code}}` and a bare `{message}`. Edits carry
 * `image_url` (Kontext, FLUX.2 [pro]/[flex]) or `reference_images` (FLUX.2), as URLs or data URIs;
 * a field the model does not read, or one that is not an image, is a 400 (wording inferred).
 */

export type TogetherMode =
  | ContractMode
  | 'url' // ok, with image URLs instead of base64
  | 'no-credit' // 402 Payment Required
  | 'bare-error' // 500 with a bare {message}
  | 'model-missing' // 404 model_not_found

export type FakeTogether = FakeServer & {
  /** `<url>/v1` */
  baseUrl: string
  mode(mode: TogetherMode): void
  /** Parsed bodies of every generation call, in order. */
  bodies(): Record<string, unknown>[]
  served: Uint8Array[]
  disconnects(): number
}

const KEYS = new Set(['tgp_v1_good-key-000'])

const error = (
  response: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  headers: Record<string, string> = {},
) => sendJson(response, status, { error: { message, type, param: null, code } }, headers)

export async function startFakeTogether(options: { slowMs?: number } = {}): Promise<FakeTogether> {
  let mode: TogetherMode = 'ok'
  let disconnects = 0
  let counter = 0
  let origin = ''
  const { files, served, serve: serveFile } = fileShelf()

  const generation = async (request: RecordedRequest, response: ServerResponse) => {
    const key = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''
    if (!KEYS.has(key) || mode === 'unauthorized') {
      return error(
        response,
        401,
        'Invalid API key provided.',
        'invalid_request_error',
        'invalid_api_key',
      )
    }
    let body: Body
    try {
      body = JSON.parse(request.body.toString('utf8'))
    } catch {
      return error(response, 400, 'Request body is not valid JSON', 'invalid_request_error')
    }
    if (!body.model || !body.prompt) {
      return error(response, 400, 'model and prompt are required', 'invalid_request_error')
    }
    const width = body.width ?? 1024
    const height = body.height ?? 1024
    if (width % 8 || height % 8) {
      return error(
        response,
        400,
        'width and height must be multiples of 8',
        'invalid_request_error',
      )
    }
    const problem = imageProblem(body)
    if (problem) return error(response, 400, problem, 'invalid_request_error')
    switch (mode) {
      case 'rate-limited':
        return error(
          response,
          429,
          'You have exceeded the rate limit for this model.',
          'rate_limit',
          null,
          {
            'retry-after': '20',
          },
        )
      case 'no-credit':
        return error(
          response,
          402,
          'Insufficient credits.',
          'invalid_request_error',
          'credit_limit',
        )
      case 'refused':
        return error(
          response,
          400,
          'Your request was flagged as NSFW by the content moderation system.',
          'invalid_request_error',
        )
      case 'server-error':
        return error(response, 503, 'The server is overloaded, please try again.', 'server_error')
      case 'bare-error':
        return sendJson(response, 500, { message: 'Internal error while generating' })
      case 'model-missing':
        return error(
          response,
          404,
          `Unable to access model ${body.model}.`,
          'invalid_request_error',
          'model_not_found',
        )
      case 'malformed':
        response.writeHead(200, { 'content-type': 'application/json' })
        return void response.end('{"id":"x","data":[{"index":0,')
      case 'slow':
        if (await waitOrDisconnect(response, options.slowMs ?? 2_000)) return void disconnects++
    }
    const data = []
    for (let index = 0; index < (body.n ?? 1); index++) {
      const png = await testPng(width, height, ++counter)
      if (mode === 'url') {
        files.set(`${counter}.png`, png)
        data.push({ index, type: 'url', url: `${origin}/files/${counter}.png` })
      } else {
        served.push(png)
        data.push({ index, type: 'b64_json', b64_json: Buffer.from(png).toString('base64') })
      }
    }
    sendJson(response, 200, { id: `gen-${counter}`, model: body.model, object: 'list', data })
  }

  const server = await startFakeServer(async (request, response) => {
    if (request.method === 'POST' && request.path === '/v1/images/generations') {
      return generation(request, response)
    }
    if (serveFile(request, response)) return
    error(response, 404, 'Not Found', 'invalid_request_error')
  })
  origin = server.url
  return {
    ...server,
    baseUrl: `${server.url}/v1`,
    mode: (next) => {
      mode = next
    },
    bodies: () => generationBodies(server),
    served,
    disconnects: () => disconnects,
  }
}

type Body = {
  model?: string
  prompt?: string
  width?: number
  height?: number
  n?: number
  image_url?: unknown
  reference_images?: unknown
}

/** Which models read which image field (docs.together.ai, image-to-image), and the images. */
function imageProblem(body: Body): string | null {
  const model = body.model ?? ''
  const readsImageUrl = /kontext|FLUX\.2-(pro|flex)/i.test(model)
  const readsReferences = /FLUX\.2/.test(model)
  const fields: [string, unknown[]][] = []
  if (body.image_url !== undefined) {
    if (!readsImageUrl) return `Model ${model} does not support image_url`
    fields.push(['image_url', [body.image_url]])
  }
  if (body.reference_images !== undefined) {
    if (!readsReferences) return `Model ${model} does not support reference_images`
    if (!Array.isArray(body.reference_images)) return 'reference_images must be an array'
    fields.push(['reference_images', body.reference_images])
  }
  for (const [field, values] of fields) {
    for (const value of values) {
      const image = readImageField(value, { dataUri: true, url: true })
      if (!image.ok) return `Invalid ${field}: ${image.reason}`
    }
  }
  return null
}
