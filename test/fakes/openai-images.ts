import type { ServerResponse } from 'node:http'
import { type ContractMode, testPng, waitOrDisconnect } from '../contracts/provider.ts'
import { type EditCall, readEdit } from './openai-edits.ts'
import {
  type FakeServer,
  fileShelf,
  generationBodies,
  type RecordedRequest,
  sendJson,
  startFakeServer,
} from './server.ts'

/**
 * A fake OpenAI-compatible images API on 127.0.0.1 (OpenAI, LocalAI, stable-diffusion.cpp):
 * `POST /v1/images/generations` answers `{created, data: [{b64_json} | {url}]}`, URLs pointing
 * back here (`GET /files/<n>.png`), and errors as `{error: {message, type, param, code}}`
 * (OpenAI's API reference). With `keys` it demands one of them as a bearer token,
 * as OpenAI does; without, it is a keyless self-hosted server. Like OpenAI it rejects
 * `response_format` for GPT image models and sizes dall-e-3 does not make. `POST /v1/images/edits`
 * takes OpenAI's multipart form (openai-edits.ts) and answers as generations do.
 */

export type OpenAiMode =
  | ContractMode
  | 'url' // ok, with image URLs even when base64 was asked for
  | 'safety-message' // 400, DALL-E's wording without a code
  | 'no-quota' // 429 insufficient_quota
  | 'extra-images' // ok, but one more image than asked for (a server ignoring n)

export type FakeOpenAiImages = FakeServer & {
  /** `<url>/v1` */
  baseUrl: string
  mode(mode: OpenAiMode): void
  bodies(): Record<string, unknown>[]
  /** Every `/images/edits` call, as read from its multipart form. */
  edits: EditCall[]
  served: Uint8Array[]
  disconnects(): number
}

const DALL_E_3_SIZES = ['1024x1024', '1792x1024', '1024x1792']

const error = (
  response: ServerResponse,
  status: number,
  message: string,
  fields: { type?: string; code?: string | null; param?: string | null } = {},
  headers: Record<string, string> = {},
) =>
  sendJson(
    response,
    status,
    {
      error: {
        message,
        type: fields.type ?? 'invalid_request_error',
        param: fields.param ?? null,
        code: fields.code ?? null,
      },
    },
    { 'x-request-id': 'req_fake', ...headers },
  )

export type Body = {
  model?: string
  prompt?: string
  n?: number
  size?: string
  response_format?: string
}

export async function startFakeOpenAiImages(
  options: { keys?: string[]; slowMs?: number } = {},
): Promise<FakeOpenAiImages> {
  let mode: OpenAiMode = 'ok'
  let disconnects = 0
  let counter = 0
  let origin = ''
  const { files, served, serve: serveFile } = fileShelf()
  const edits: EditCall[] = []

  /** The 401 for a missing or wrong key, or null when the key is fine. */
  const unauthorized = (request: RecordedRequest, response: ServerResponse) => {
    const key = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    if ((options.keys && !options.keys.includes(key ?? '')) || mode === 'unauthorized') {
      const shown = key ? `${key.slice(0, 3)}***${key.slice(-2)}` : 'none'
      error(response, 401, `Incorrect API key provided: ${shown}.`, { code: 'invalid_api_key' })
      return true
    }
    return false
  }

  const generation = async (request: RecordedRequest, response: ServerResponse) => {
    if (unauthorized(request, response)) return
    let body: Body
    try {
      body = JSON.parse(request.body.toString('utf8'))
    } catch {
      return error(response, 400, 'We could not parse the JSON body of your request.')
    }
    if (!body.prompt) return error(response, 400, 'Missing required parameter: prompt.')
    if (body.model === 'dall-e-3' && body.size && !DALL_E_3_SIZES.includes(body.size)) {
      return error(response, 400, `'${body.size}' is not one of ${DALL_E_3_SIZES} - 'size'`)
    }
    return answer(response, body)
  }

  const edit = async (request: RecordedRequest, response: ServerResponse) => {
    if (unauthorized(request, response)) return
    const read = await readEdit(request)
    if ('problem' in read) return error(response, 400, read.problem.message, read.problem)
    edits.push(read.call)
    return answer(response, read.call.fields)
  }

  /** The reply for a request that passed validation: the mode's failure, or the images. */
  const answer = async (response: ServerResponse, body: Body) => {
    const gptImage = body.model?.startsWith('gpt-image') ?? false
    if (gptImage && body.response_format !== undefined) {
      return error(response, 400, "Unknown parameter: 'response_format'.", {
        param: 'response_format',
        code: 'unknown_parameter',
      })
    }
    switch (mode) {
      case 'rate-limited':
        return error(
          response,
          429,
          'Rate limit reached for images per minute. Please try again in 12s.',
          { type: 'requests', code: 'rate_limit_exceeded' },
          { 'retry-after': '12' },
        )
      case 'no-quota':
        return error(response, 429, 'You exceeded your current quota.', {
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        })
      case 'refused':
        return error(
          response,
          400,
          'Your request was rejected by the safety system.',
          gptImage
            ? { type: 'image_generation_user_error', code: 'moderation_blocked' }
            : { code: 'content_policy_violation' },
        )
      case 'safety-message':
        return error(
          response,
          400,
          'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
        )
      case 'server-error':
        return error(
          response,
          500,
          'The server had an error while processing your request. Sorry about that!',
          { type: 'server_error' },
        )
      case 'malformed':
        return sendJson(response, 200, { created: 1_700_000_000 })
      case 'slow':
        if (await waitOrDisconnect(response, options.slowMs ?? 2_000)) return void disconnects++
    }
    const [width, height] = (body.size ?? '1024x1024').split('x').map(Number)
    const count = Number(body.n ?? 1)
    const asUrl = mode === 'url' || (!gptImage && body.response_format !== 'b64_json')
    const data = []
    for (let index = 0; index < count + (mode === 'extra-images' ? 1 : 0); index++) {
      const png = await testPng(width ?? 1024, height ?? 1024, ++counter)
      if (asUrl) {
        files.set(`${counter}.png`, png)
        data.push({ url: `${origin}/files/${counter}.png` })
      } else {
        served.push(png)
        data.push({ b64_json: Buffer.from(png).toString('base64') })
      }
    }
    sendJson(response, 200, { created: Math.floor(Date.now() / 1000), data })
  }

  const server = await startFakeServer(async (request, response) => {
    if (request.method === 'POST' && request.path === '/v1/images/generations') {
      return generation(request, response)
    }
    if (request.method === 'POST' && request.path === '/v1/images/edits') {
      return edit(request, response)
    }
    if (serveFile(request, response)) return
    error(response, 404, `Invalid URL (${request.method} ${request.path})`)
  })
  origin = server.url
  return {
    ...server,
    baseUrl: `${server.url}/v1`,
    mode: (next) => {
      mode = next
    },
    bodies: () => generationBodies(server),
    edits,
    served,
    disconnects: () => disconnects,
  }
}
