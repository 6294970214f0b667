import type { ServerResponse } from 'node:http'
import { type ContractMode, testPng, waitOrDisconnect } from '../contracts/provider.ts'
import { type FakeServer, type RecordedRequest, sendJson, startFakeServer } from './server.ts'

/**
 * A fake AUTOMATIC1111 / Forge WebUI API on 127.0.0.1: `POST /sdapi/v1/txt2img` answers
 * `{images: [base64 PNG], parameters, info: "<JSON string>"}` (modules/api/models.py), with the
 * seed it used in `info`. Errors are FastAPI's: 401 `{detail}` under `--api-auth` (Basic), 422
 * `{detail: [{loc, msg, type}]}`, 404 `{detail: "Not Found"}` without `--api`, and 500
 * `{error, detail, body, errors}`. 429 comes from a reverse proxy in front (plain text).
 */

export type Automatic1111Mode =
  | Exclude<ContractMode, 'refused'>
  | 'no-api' // the WebUI started without --api
  | 'sdcpp' // stable-diffusion.cpp's server: `info: ""`
  | 'grid' // a batch reply with the grid image first (the WebUI's return_grid)

export type FakeAutomatic1111 = FakeServer & {
  mode(mode: Automatic1111Mode): void
  bodies(): Record<string, unknown>[]
  served: Uint8Array[]
  disconnects(): number
}

type Body = {
  prompt?: unknown
  width?: unknown
  height?: unknown
  seed?: unknown
  batch_size?: unknown
}

const PATH = '/sdapi/v1/txt2img'

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

  const txt2img = async (request: RecordedRequest, response: ServerResponse) => {
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
    if (request.method === 'POST' && request.path === PATH) return txt2img(request, response)
    sendJson(response, 404, { detail: 'Not Found' })
  })
  const calls = () => server.requests.filter((r) => r.method === 'POST' && r.path === PATH)
  return {
    ...server,
    mode: (next) => {
      mode = next
    },
    bodies: () => calls().map((r) => JSON.parse(r.body.toString('utf8'))),
    served,
    disconnects: () => disconnects,
  }
}
