import type { ServerResponse } from 'node:http'
import { sniffImage } from '../../src/image/sniff.ts'
import { type ContractMode, testPng, waitOrDisconnect } from '../contracts/provider.ts'
import { type FakeServer, type RecordedRequest, sendJson, startFakeServer } from './server.ts'

/**
 * A fake AUTOMATIC1111 / Forge WebUI API on 127.0.0.1: `POST /sdapi/v1/txt2img` answers
 * `{images: [base64 PNG], parameters, info: "<JSON string>"}` (modules/api/models.py), with the
 * seed it used in `info`. `POST /sdapi/v1/img2img` answers the same way, from `init_images` (and
 * an optional `mask`), each raw base64 or a `data:image/...` URI (modules/api/api.py,
 * decode_base64_to_image). Errors are FastAPI's: 401 `{detail}` under `--api-auth` (Basic), 422
 * `{detail: [{loc, msg, type}]}`, 404 `{detail: "Not Found"}` without `--api`, and 500
 * `{error, detail, body, errors}` (also img2img's "Invalid encoded image" and its 404 "Init image
 * not found"). 429 comes from a reverse proxy in front (plain text).
 */

export type Automatic1111Mode =
  | Exclude<ContractMode, 'refused'>
  | 'no-api' // the WebUI started without --api
  | 'sdcpp' // stable-diffusion.cpp's server: `info: ""`
  | 'grid' // a batch reply with the grid image first (the WebUI's return_grid)

export type FakeAutomatic1111 = FakeServer & {
  mode(mode: Automatic1111Mode): void
  /** txt2img bodies, in order. */
  bodies(): Record<string, unknown>[]
  /** img2img bodies, in order. */
  edits(): Record<string, unknown>[]
  served: Uint8Array[]
  disconnects(): number
}

type Body = {
  prompt?: unknown
  width?: unknown
  height?: unknown
  seed?: unknown
  batch_size?: unknown
  init_images?: unknown
  mask?: unknown
  denoising_strength?: unknown
}

const TXT2IMG = '/sdapi/v1/txt2img'
const IMG2IMG = '/sdapi/v1/img2img'

/** FastAPI's reply to an HTTPException raised in the API (api_middleware's handle_exception). */
const httpException = (response: ServerResponse, status: number, detail: string) =>
  sendJson(response, status, { error: 'HTTPException', detail, body: '', errors: '' })

/** An image as decode_base64_to_image reads it: raw base64 or a data URI; null when unreadable. */
function decodeImage(value: unknown): Uint8Array | null {
  if (typeof value !== 'string') return null
  const base64 = value.startsWith('data:image/')
    ? (value.split(';')[1]?.split(',')[1] ?? '')
    : value
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'))
  return sniffImage(bytes) ? bytes : null
}

/** What img2img refuses in `init_images`, `mask` and `denoising_strength`, answered; else false. */
function refusedEdit(body: Body, response: ServerResponse): boolean {
  const strength = body.denoising_strength
  if (strength !== undefined && typeof strength !== 'number') {
    invalid(response, 'denoising_strength', 'value is not a valid float')
  } else if (body.init_images === undefined || body.init_images === null) {
    httpException(response, 404, 'Init image not found')
  } else if (!Array.isArray(body.init_images)) {
    invalid(response, 'init_images', 'value is not a valid list')
  } else if (!body.init_images.every(decodeImage) || (body.mask && !decodeImage(body.mask))) {
    httpException(response, 500, 'Invalid encoded image')
  } else return false
  return true
}

const invalid = (response: ServerResponse, field: string, msg: string) =>
  sendJson(response, 422, {
    detail: [{ loc: ['body', field], msg, type: 'type_error' }],
  })

export async function startFakeAutomatic1111(
  options: { auth?: string; slowMs?: number } = {},
): Promise<FakeAutomatic1111> {
  let mode: Automatic1111Mode = 'ok'
  let disconnects = 0
  let counter = 0
  const served: Uint8Array[] = []
  const expected = options.auth && `Basic ${Buffer.from(options.auth).toString('base64')}`

  const generate = async (request: RecordedRequest, response: ServerResponse) => {
    if ((expected && request.headers.authorization !== expected) || mode === 'unauthorized') {
      return sendJson(
        response,
        401,
        { detail: 'Incorrect username or password' },
        { 'www-authenticate': 'Basic' },
      )
    }
    let body: Body
    try {
      body = JSON.parse(request.body.toString('utf8'))
    } catch {
      return invalid(response, 'body', 'value is not a valid dict')
    }
    const whole = (value: unknown, fallback: number) =>
      value === undefined ? fallback : Number.isInteger(value) ? (value as number) : Number.NaN
    const width = whole(body.width, 512)
    const height = whole(body.height, 512)
    const batch = whole(body.batch_size, 1)
    if (typeof body.prompt !== 'string') return invalid(response, 'prompt', 'str type expected')
    if (Number.isNaN(width)) return invalid(response, 'width', 'value is not a valid integer')
    if (Number.isNaN(height)) return invalid(response, 'height', 'value is not a valid integer')
    if (request.path === IMG2IMG && refusedEdit(body, response)) return
    switch (mode) {
      case 'rate-limited':
        response.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '15' })
        return void response.end('Too Many Requests')
      case 'no-api':
        return sendJson(response, 404, { detail: 'Not Found' })
      case 'server-error':
        return sendJson(response, 500, {
          error: 'OutOfMemoryError',
          detail: '',
          body: '',
          errors: 'CUDA out of memory. Tried to allocate 2.00 GiB',
        })
      case 'malformed':
        return sendJson(response, 200, { images: 'not-a-list', info: '{}' })
      case 'slow':
        if (await waitOrDisconnect(response, options.slowMs ?? 2_000)) return void disconnects++
    }
    const seed = typeof body.seed === 'number' && body.seed >= 0 ? body.seed : 1234567
    const images: string[] = []
    if (mode === 'grid' && batch > 1) {
      images.push(Buffer.from(await testPng(width * 2, height, 0)).toString('base64'))
    }
    for (let index = 0; index < batch; index++) {
      const png = await testPng(width, height, ++counter)
      served.push(png)
      images.push(Buffer.from(png).toString('base64'))
    }
    const info =
      mode === 'sdcpp'
        ? ''
        : JSON.stringify({
            prompt: body.prompt,
            all_prompts: Array(batch).fill(body.prompt),
            seed,
            all_seeds: Array.from({ length: batch }, (_, index) => seed + index),
            width,
            height,
            sampler_name: 'Euler',
          })
    sendJson(response, 200, { images, parameters: body, info })
  }

  const server = await startFakeServer(async (request, response) => {
    if (request.method === 'POST' && (request.path === TXT2IMG || request.path === IMG2IMG)) {
      return generate(request, response)
    }
    sendJson(response, 404, { detail: 'Not Found' })
  })
  const bodiesOf = (path: string) =>
    server.requests
      .filter((r) => r.method === 'POST' && r.path === path)
      .map((r) => JSON.parse(r.body.toString('utf8')))
  return {
    ...server,
    mode: (next) => {
      mode = next
    },
    bodies: () => bodiesOf(TXT2IMG),
    edits: () => bodiesOf(IMG2IMG),
    served,
    disconnects: () => disconnects,
  }
}
