import type { ServerResponse } from 'node:http'
import { readImageField } from './input-images.ts'
import { type FakeServer, type RecordedRequest, sendJson, startFakeServer } from './server.ts'
import { makeJpeg } from './workers-ai-image.ts'

/**
 * A fake Black Forest Labs API on 127.0.0.1 (docs.bfl.ai).
 * `POST /v1/{endpoint}` with `x-key` answers `{id, polling_url}`; `GET /v1/get_result?id=` (with
 * `x-key`) says `Pending` with a growing `progress`, then `Ready` with `result.sample`, a signed
 * JPEG URL on `/files/`. Sizes are validated as BFL does (multiples of 32 in 256-1440 for FLUX.1,
 * multiples of 16 for FLUX.2), and so are the edit fields: `input_image`, `input_image_2`... as
 * base64 or a URL, up to each endpoint's count; Kontext's `aspect_ratio` instead of a size; Fill's
 * `image` and a `mask` of the same size. Problems are answered 422 `{detail: [...]}`. Behaviour
 * follows the key.
 */

export type BflBehaviour =
  | 'ok'
  | 'unauthorized' // 403
  | 'no-credits' // 402
  | 'rate-limited' // 429 too many active tasks
  | 'request-moderated' // the task ends "Request Moderated"
  | 'content-moderated' // the task ends "Content Moderated"
  | 'error' // the task ends "Error"
  | 'not-found' // polls answer "Task not found"
  | 'server-error' // 500 on submit
  | 'malformed' // 200 submit reply without an id
  | 'foreign-poll' // a polling_url on another host
  | 'slow' // Ready after slowMs
  | 'stuck' // Pending forever

export type FakeBflOptions = { keys?: Record<string, BflBehaviour>; slowMs?: number }

export type FakeBfl = FakeServer & {
  /** Submissions as `{endpoint, body}`, in order. */
  submissions(): { endpoint: string; body: Record<string, unknown> }[]
  polls(): number
  served: Uint8Array[]
}

type Task = {
  id: string
  key: string
  body: Record<string, unknown>
  polls: number
  started: number
}

const FLUX1 = new Set(['flux-pro-1.1', 'flux-dev'])
/** Input images per endpoint (`input_image` .. `input_image_N`); absent endpoints take none. */
const MAX_INPUTS: Record<string, number> = {
  'flux-kontext-pro': 4,
  'flux-kontext-max': 4,
  'flux-2-pro': 8,
  'flux-2-max': 8,
  'flux-2-flex': 8,
  'flux-2-klein-4b': 4,
  'flux-2-klein-9b': 4,
}
/** Endpoints with `steps`, and their range. */
const STEPS: Record<string, [number, number]> = {
  'flux-dev': [1, 50],
  'flux-2-flex': [1, 50],
  'flux-pro-1.0-fill': [15, 50],
}

export async function startFakeBfl(options: FakeBflOptions = {}): Promise<FakeBfl> {
  const keys: Record<string, BflBehaviour> = { good: 'ok', ...options.keys }
  const slowMs = options.slowMs ?? 2_000
  const tasks = new Map<string, Task>()
  const files = new Map<string, Uint8Array>()
  const served: Uint8Array[] = []
  let counter = 0
  let origin = ''

  const submit = (request: RecordedRequest, response: ServerResponse, endpoint: string) => {
    const key = String(request.headers['x-key'] ?? '')
    const behaviour = keys[key]
    if (!behaviour || behaviour === 'unauthorized')
      return sendJson(response, 403, { detail: 'Not authenticated - Invalid API key' })
    if (behaviour === 'no-credits')
      return sendJson(response, 402, {
        detail: 'Insufficient credits. Please top up at https://api.bfl.ai.',
      })
    if (behaviour === 'rate-limited')
      return sendJson(response, 429, {
        detail:
          'You have exceeded the number of active tasks (24). Please wait for some to finish.',
      })
    if (behaviour === 'server-error')
      return sendJson(response, 500, { detail: 'Internal Server Error' })
    const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>
    const problems = validate(endpoint, body)
    if (problems.length) return sendJson(response, 422, { detail: problems })
    if (behaviour === 'malformed') return sendJson(response, 200, { status: 'queued' })
    const id = `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`
    tasks.set(id, { id, key, body, polls: 0, started: Date.now() })
    const host = behaviour === 'foreign-poll' ? origin.replace('127.0.0.1', 'localhost') : origin
    sendJson(response, 200, {
      id,
      polling_url: `${host}/v1/get_result?id=${id}`,
      cost: 4,
      input_mp: 0,
      output_mp: 1,
    })
  }

  const poll = (task: Task, response: ServerResponse) => {
    task.polls++
    const behaviour = keys[task.key]
    const ready =
      behaviour === 'slow'
        ? Date.now() - task.started >= slowMs
        : behaviour !== 'stuck' && task.polls >= 3
    const base = { id: task.id, result: null, progress: null, details: null, preview: null }
    if (behaviour === 'not-found')
      return sendJson(response, 200, { ...base, status: 'Task not found' })
    if (!ready)
      return sendJson(response, 200, {
        ...base,
        status: 'Pending',
        progress: Math.min(0.9, task.polls * 0.3),
      })
    if (behaviour === 'request-moderated' || behaviour === 'content-moderated') {
      const status = behaviour === 'request-moderated' ? 'Request Moderated' : 'Content Moderated'
      return sendJson(response, 200, {
        ...base,
        status,
        details: { 'Moderation Reasons': ['Derivative Works Filter'] },
      })
    }
    if (behaviour === 'error')
      return sendJson(response, 200, {
        ...base,
        status: 'Error',
        details: { error: 'Generation failed' },
      })
    const name = `${task.id}.jpeg`
    if (!files.has(name))
      files.set(name, makeJpeg(...outputSize(task.body), 4096 + task.polls + counter++))
    const sample = `${origin}/files/${name}?se=2026-01-01T00%3A10%3A00Z&sig=abc`
    const seed = task.body.seed ?? 987
    sendJson(response, 200, {
      ...base,
      status: 'Ready',
      result: { sample, prompt: task.body.prompt, seed, start_time: 1, end_time: 2, duration: 1 },
    })
  }

  const server = await startFakeServer(async (request, response) => {
    const url = new URL(request.path, 'http://fake')
    const endpoint = /^\/v1\/([a-z0-9.-]+)$/.exec(url.pathname)?.[1]
    if (request.method === 'GET' && url.pathname === '/v1/get_result') {
      const task = tasks.get(url.searchParams.get('id') ?? '')
      if (!task || request.headers['x-key'] !== task.key)
        return sendJson(response, 200, { id: url.searchParams.get('id'), status: 'Task not found' })
      return poll(task, response)
    }
    if (request.method === 'POST' && endpoint) return submit(request, response, endpoint)
    const file = files.get(url.pathname.replace(/^\/files\//, ''))
    if (request.method === 'GET' && file) {
      served.push(file)
      response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': file.length })
      response.end(file)
      return
    }
    sendJson(response, 404, { detail: 'Not Found' })
  })
  origin = server.url
  return {
    ...server,
    served,
    submissions: () =>
      server.requests
        .filter((r) => r.method === 'POST' && /^\/v1\/[a-z0-9.-]+$/.test(r.path))
        .map((r) => ({ endpoint: r.path.slice(4), body: JSON.parse(r.body.toString('utf8')) })),
    polls: () => server.requests.filter((r) => r.path.startsWith('/v1/get_result')).length,
  }
}

type Problem = { loc: (string | number)[]; msg: string; type: string }

/** BFL's request validation for the fields this gateway sends. */
function validate(endpoint: string, body: Record<string, unknown>): Problem[] {
  const problems: Problem[] = []
  const problem = (field: string, msg: string, type: string) =>
    problems.push({ loc: ['body', field], msg, type })
  const flux1 = FLUX1.has(endpoint)
  const sized = flux1 || endpoint.startsWith('flux-2')
  const multiple = flux1 ? 32 : 16
  const [min, max] = flux1 ? [256, 1440] : [64, 4096]
  for (const field of ['width', 'height']) {
    const value = body[field]
    if (value === undefined) continue
    if (!sized) problem(field, 'Extra inputs are not permitted', 'extra_forbidden')
    else if (typeof value !== 'number' || value % multiple !== 0)
      problem(field, `Input should be a multiple of ${multiple}`, 'multiple_of')
    else if (value < min || value > max)
      problem(field, `Input should be between ${min} and ${max}`, 'less_than_equal')
  }
  const fill = endpoint === 'flux-pro-1.0-fill'
  if (typeof body.prompt !== 'string' && !fill) problem('prompt', 'Field required', 'missing')
  const steps = STEPS[endpoint]
  if (body.steps !== undefined && !steps)
    problem('steps', 'Extra inputs are not permitted', 'extra_forbidden')
  else if (steps && body.steps !== undefined) {
    const value = Number(body.steps)
    if (value < steps[0] || value > steps[1])
      problem('steps', `Input should be between ${steps[0]} and ${steps[1]}`, 'less_than_equal')
  }
  if (body.aspect_ratio !== undefined) {
    const [w, h] = String(body.aspect_ratio).split(':').map(Number)
    if (!endpoint.startsWith('flux-kontext'))
      problem('aspect_ratio', 'Extra inputs are not permitted', 'extra_forbidden')
    else if (!w || !h || w / h > 21 / 9 + 1e-9 || h / w > 21 / 9 + 1e-9)
      problem('aspect_ratio', 'Aspect ratio must be between 21:9 and 9:21', 'value_error')
  }
  const allowed = MAX_INPUTS[endpoint] ?? 0
  for (const field of Object.keys(body).filter((key) => /^input_image(_\d+)?$/.test(key))) {
    const index = Number(field.slice(12) || 1)
    const image = readImageField(body[field], { base64: true, url: true })
    if (index > allowed) problem(field, 'Extra inputs are not permitted', 'extra_forbidden')
    else if (!image.ok) problem(field, image.reason, 'value_error')
  }
  if (fill) problems.push(...validateFill(body))
  else if (body.image !== undefined || body.mask !== undefined)
    problem('image', 'Extra inputs are not permitted', 'extra_forbidden')
  return problems
}

/** Fill: a base64 `image`, and a `mask` that must match its dimensions (docs.bfl.ai). */
function validateFill(body: Record<string, unknown>): Problem[] {
  const image = readImageField(body.image, { base64: true })
  if (!image.ok) return [{ loc: ['body', 'image'], msg: image.reason, type: 'value_error' }]
  if (body.mask === undefined) return []
  const mask = readImageField(body.mask, { base64: true })
  if (!mask.ok) return [{ loc: ['body', 'mask'], msg: mask.reason, type: 'value_error' }]
  if (mask.info?.width !== image.info?.width || mask.info?.height !== image.info?.height)
    return [
      {
        loc: ['body', 'mask'],
        msg: 'Mask dimensions must match the image dimensions',
        type: 'value_error',
      },
    ]
  return []
}

/** The size of a task's image: the size asked, the ratio at about 1 MP, or the input's own. */
function outputSize(body: Record<string, unknown>): [number, number] {
  if (body.width && body.height) return [Number(body.width), Number(body.height)]
  const input = readImageField(body.input_image ?? body.image, { base64: true })
  if (body.aspect_ratio) {
    const [w, h] = String(body.aspect_ratio).split(':').map(Number) as [number, number]
    const height = Math.round(Math.sqrt((1024 * 1024 * h) / w) / 16) * 16
    return [Math.round((height * w) / h / 16) * 16, height]
  }
  if (input.ok && input.info) return [input.info.width, input.info.height]
  return [1024, 768]
}
