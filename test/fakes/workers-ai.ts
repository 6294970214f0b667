import type { ServerResponse } from 'node:http'
import {
  delay,
  type FakeServer,
  type RecordedRequest,
  sendJson,
  startFakeServer,
} from './server.ts'
import { repliesBinary, schemaProblem } from './workers-ai-schema.ts'

/**
 * A fake Cloudflare Workers AI REST API on 127.0.0.1: `POST /client/v4/accounts/{id}/ai/run/
 * {model}` with a bearer token, answering like the real one (Cloudflare's Workers AI docs):
 * the v4 envelope with a base64 image for flux-1-schnell, lucid-origin and FLUX.2 (which takes
 * multipart/form-data only, reference images as the files `input_image_0` to `_3`), raw image
 * bytes for Phoenix, SDXL and Dreamshaper, the envelope with `success: false` for errors. It checks inputs against each model's schema as the real one does,
 * so a wrong field fails here, and it records what it received.
 */

export type WorkersAiMode =
  | 'ok'
  | 'quota' // 429, code 3036: daily free allocation used up
  | 'capacity' // 429, code 3040
  | 'nsfw' // 400, code 3030: "Input prompt contains NSFW content"
  | 'nsfw-8007' // the same refusal inside an HTTP 200 with success:false, code 8007
  | 'success-false' // HTTP 200, success:false, an unknown code
  | 'server-error' // 500, code 3043
  | 'timeout' // 408, code 3007
  | 'forbidden' // 403, code 5035: model needs Workers Paid
  | 'slow' // answers normally after `slowMs`
  | 'malformed' // 200, a truncated JSON body

/** One call as the fake understood it. */
export type WorkersAiCall = {
  accountId: string
  model: string
  authorization: string | undefined
  contentType: string
  /** The JSON body, or the multipart text fields as strings. */
  inputs: Record<string, unknown>
  /** The multipart file fields, by name. */
  files: Record<string, UploadedFile>
  multipart: boolean
}

/** A file part of a multipart body, as received. */
export type UploadedFile = { name: string; type: string; bytes: Uint8Array }

export type FakeWorkersAi = FakeServer & {
  /** `{url}/client/v4`, the value for CF_API_BASE. */
  apiBase: string
  calls: WorkersAiCall[]
  /** What every account answers; `modeByAccount` overrides it per account id. */
  mode: WorkersAiMode
  modeByAccount: Record<string, WorkersAiMode>
  slowMs: number
  /** The image every model returns (its bytes, before base64), unless `modelImages` names one. */
  image: Uint8Array
  /** Upstream model id -> the image that model returns instead of `image`. */
  modelImages: Record<string, Uint8Array>
  imageType: string
}

const PATH = /^\/client\/v4\/accounts\/([^/]+)\/ai\/run\/(.+)$/

const envelope = (status: number, code: number, message: string) => ({
  status,
  body: { result: null, success: false, errors: [{ code, message }], messages: [] },
})

/** The error replies, as Workers AI words them (binding-style "AiError: NNNN: ..." text). */
const FAILURES: Partial<Record<WorkersAiMode, { status: number; body: unknown }>> = {
  quota: envelope(
    429,
    3036,
    "AiError: 3036: You have used up your daily free allocation of 10,000 neurons, please upgrade to Cloudflare's Workers Paid plan if you would like to continue usage.",
  ),
  capacity: envelope(429, 3040, 'AiError: 3040: Capacity temporarily exceeded, please try again.'),
  nsfw: envelope(400, 3030, 'AiError: Input prompt contains NSFW content.'),
  'nsfw-8007': envelope(200, 8007, 'Input prompt contains NSFW content'),
  'success-false': envelope(200, 3999, 'AiError: Something went wrong.'),
  'server-error': envelope(500, 3043, 'AiError: Internal server error'),
  timeout: envelope(408, 3007, 'AiError: 3007: Request timeout'),
  forbidden: envelope(
    403,
    5035,
    'AiError: 5035: This model is only available on the Workers Paid plan.',
  ),
}

/**
 * Starts the fake. `accounts` maps account ids to their tokens; any other pair gets 401 with
 * code 10000, as Cloudflare answers a bad token.
 */
export async function startFakeWorkersAi(options: {
  accounts: Record<string, string>
  image: Uint8Array
  imageType?: string
}): Promise<FakeWorkersAi> {
  const state = { fake: undefined as FakeWorkersAi | undefined }
  const server = await startFakeServer(async (request, response) => {
    if (state.fake) await answer(state.fake, options.accounts, request, response)
  })
  state.fake = Object.assign(server, {
    apiBase: `${server.url}/client/v4`,
    calls: [] as WorkersAiCall[],
    mode: 'ok' as WorkersAiMode,
    modeByAccount: {} as Record<string, WorkersAiMode>,
    slowMs: 2000,
    image: options.image,
    modelImages: {} as Record<string, Uint8Array>,
    imageType: options.imageType ?? 'image/jpeg',
  })
  return state.fake
}

async function answer(
  fake: FakeWorkersAi,
  accounts: Record<string, string>,
  request: RecordedRequest,
  response: ServerResponse,
) {
  const match = PATH.exec(request.path)
  if (request.method !== 'POST' || !match) {
    return sendJson(response, 404, envelope(404, 7000, 'No route for that URI').body)
  }
  const accountId = decodeURIComponent(match[1]!)
  const model = decodeURI(match[2]!)
  const authorization = request.headers.authorization
  const token = accounts[accountId]
  if (token === undefined || authorization !== `Bearer ${token}`) {
    return sendJson(response, 401, envelope(401, 10000, 'Authentication error').body)
  }
  const contentType = request.headers['content-type'] ?? ''
  const multipart = contentType.startsWith('multipart/form-data')
  const { inputs, files } = await readInputs(request, contentType, multipart)
  fake.calls.push({ accountId, model, authorization, contentType, inputs, files, multipart })

  const mode = fake.modeByAccount[accountId] ?? fake.mode
  const failure = FAILURES[mode]
  if (failure) return sendJson(response, failure.status, failure.body)
  if (mode === 'malformed') {
    response.writeHead(200, { 'content-type': 'application/json' })
    return response.end('{"result":{"image":"/9j/4AAQSkZJRgABAQ')
  }
  if (mode === 'slow') await delay(fake.slowMs)

  const problem = schemaProblem(model, inputs, multipart, files)
  if (problem) return sendJson(response, 400, envelope(400, problem.code, problem.message).body)
  const image = fake.modelImages[model] ?? fake.image
  if (repliesBinary(model)) {
    response.writeHead(200, { 'content-type': fake.imageType, 'content-length': image.length })
    return response.end(image)
  }
  const body = envelopeOf(image)
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
  response.end(body)
}

/** The success envelope, encoded once per image so a benchmark measures the gateway, not this. */
const envelopes = new WeakMap<Uint8Array, Buffer>()
function envelopeOf(image: Uint8Array): Buffer {
  let body = envelopes.get(image)
  if (!body) {
    const result = { image: Buffer.from(image).toString('base64') }
    body = Buffer.from(JSON.stringify({ result, success: true, errors: [], messages: [] }))
    envelopes.set(image, body)
  }
  return body
}

async function readInputs(
  request: RecordedRequest,
  contentType: string,
  multipart: boolean,
): Promise<{ inputs: Record<string, unknown>; files: Record<string, UploadedFile> }> {
  const inputs: Record<string, unknown> = {}
  const files: Record<string, UploadedFile> = {}
  if (multipart) {
    for (const [name, value] of await readForm(contentType, request.body)) {
      if (typeof value === 'string') inputs[name] = value
      else
        files[name] = {
          name: value.name,
          type: value.type,
          bytes: new Uint8Array(await value.arrayBuffer()),
        }
    }
    return { inputs, files }
  }
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'))
    const body = typeof parsed === 'object' && parsed !== null ? parsed : {}
    return { inputs: body as Record<string, unknown>, files }
  } catch {
    return { inputs, files }
  }
}

/** The parts of a multipart/form-data body, read by the Web-standard parser exactly as sent. */
export async function readForm(contentType: string, body: Uint8Array): Promise<FormData> {
  return new Request('http://fake.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(body),
  }).formData()
}
