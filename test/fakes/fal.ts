import type { ServerResponse } from 'node:http'
import { waitOrDisconnect } from '../contracts/provider.ts'
import { type Input, outputSize, validate } from './fal-schema.ts'
import { type FakeServer, type RecordedRequest, sendJson, startFakeServer } from './server.ts'
import { makeJpeg } from './workers-ai-image.ts'

/**
 * A fake fal.ai on 127.0.0.1 (fal-js `queue.ts`; fal.ai/docs model-apis/errors). `POST
 * /{endpoint}` with `Authorization: Key <key>` answers the output at once (`mode: 'sync'`, fal.run)
 * or queues a job (`mode: 'queue'`, queue.fal.run) whose status URL reports IN_QUEUE (position 1,
 * then 0), IN_PROGRESS, then COMPLETED; the response URL then holds the output or the error.
 * Inputs, edit endpoints and input images are checked as fal does (fal-schema.ts). Images are
 * JPEG on `/files/`. What a call does is decided by its key.
 */

export type FalBehaviour =
  | 'ok'
  | 'unauthorized' // 401 {detail: "..."}
  | 'locked' // 403 "User is locked. Reason: Exhausted balance."
  | 'rate-limited' // 429 with Retry-After
  | 'policy' // 422 content_policy_violation
  | 'nsfw' // ok output, has_nsfw_concepts [true]: the image is black
  | 'server-error' // 500 with X-Fal-Retryable: true
  | 'malformed' // 200 whose output is not the documented JSON
  | 'slow' // the job (or sync call) takes slowMs, unless the client hangs up first
  | 'stuck' // IN_PROGRESS forever
  | 'foreign-status' // queue: a status_url on another host

export type FakeFalOptions = {
  mode?: 'queue' | 'sync'
  keys?: Record<string, FalBehaviour>
  slowMs?: number
}

export type FakeFal = FakeServer & {
  /** Parsed bodies of generation calls (submissions), in order. */
  bodies(): Record<string, unknown>[]
  /** The endpoints those calls went to (`fal-ai/flux-pro/kontext/multi`), in order. */
  endpoints(): string[]
  /** Status polls received. */
  polls(): number
  /** Cancel calls received. */
  cancels(): number
  /** Generation calls whose connection closed before the fake answered (sync mode). */
  disconnects(): number
  served: Uint8Array[]
}

type Job = {
  id: string
  key: string
  endpoint: string
  body: Input
  polls: number
  started: number
}

/** Error replies as fal sends them: status, body, headers. */
const ERRORS: Partial<Record<FalBehaviour, [number, unknown, Record<string, string>?]>> = {
  unauthorized: [
    401,
    { detail: "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'." },
  ],
  locked: [
    403,
    {
      detail:
        'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
    },
  ],
  'rate-limited': [429, { detail: 'Too many concurrent requests' }, { 'retry-after': '12' }],
  policy: [
    422,
    {
      detail: [
        {
          loc: ['body', 'prompt'],
          msg: 'The content could not be processed because it contained material flagged by a content checker.',
          type: 'content_policy_violation',
          url: 'https://docs.fal.ai/errors#content_policy_violation',
        },
      ],
    },
    { 'x-fal-retryable': 'false' },
  ],
  'server-error': [
    500,
    { detail: [{ loc: ['body'], msg: 'Internal server error', type: 'internal_server_error' }] },
    { 'x-fal-retryable': 'true' },
  ],
}
/** Refused at submission; the others fail when the job runs. */
const AT_SUBMIT = new Set<FalBehaviour>(['unauthorized', 'locked', 'rate-limited'])

export async function startFakeFal(options: FakeFalOptions = {}): Promise<FakeFal> {
  const keys: Record<string, FalBehaviour> = { good: 'ok', ...options.keys }
  const slowMs = options.slowMs ?? 2_000
  const jobs = new Map<string, Job>()
  const done = new Set<string>()
  const files = new Map<string, Uint8Array>()
  const served: Uint8Array[] = []
  let counter = 0
  let disconnects = 0
  let origin = ''

  const keyOf = (request: RecordedRequest) =>
    /^Key (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''
  /** Status and result URLs use only owner/alias, not the endpoint's sub-path (fal-js). */
  const jobUrl = (job: Job) =>
    `${origin}/${job.endpoint.split('/').slice(0, 2).join('/')}/requests/${job.id}`

  /** The reply a finished call gives: the output, or the behaviour's error. */
  const finish = (response: ServerResponse, key: string, endpoint: string, body: Input) => {
    const behaviour = keys[key]!
    const problems = validate(endpoint, body)
    if (problems.length) return sendJson(response, 422, { detail: problems })
    const error = ERRORS[behaviour]
    if (error) return sendJson(response, error[0], error[1], error[2])
    if (behaviour === 'malformed') return sendJson(response, 200, { result: 'not fal output' })
    const { width, height } = outputSize(body)
    const images = Array.from({ length: Number(body.num_images ?? 1) }, () => {
      const name = `${++counter}.jpeg`
      files.set(name, makeJpeg(width, height, 4096 + counter))
      return { url: `${origin}/files/${name}`, width, height, content_type: 'image/jpeg' }
    })
    sendJson(response, 200, {
      images,
      timings: { inference: 0.4 },
      seed: body.seed ?? 1234,
      has_nsfw_concepts: images.map(() => behaviour === 'nsfw'),
      prompt: body.prompt,
    })
  }

  const submit = async (request: RecordedRequest, response: ServerResponse, endpoint: string) => {
    const key = keyOf(request)
    const behaviour = keys[key] ?? 'unauthorized'
    const error = AT_SUBMIT.has(behaviour) && ERRORS[behaviour]
    if (error) return sendJson(response, error[0], error[1], error[2])
    const body = JSON.parse(request.body.toString('utf8')) as Input
    if (options.mode === 'sync') {
      if (behaviour === 'slow' && (await waitOrDisconnect(response, slowMs))) {
        disconnects++
        return
      }
      return finish(response, key, endpoint, body)
    }
    const job: Job = { id: `req-${++counter}`, key, endpoint, body, polls: 0, started: Date.now() }
    jobs.set(job.id, job)
    const base = jobUrl(job)
    const statusBase =
      behaviour === 'foreign-status' ? base.replace('127.0.0.1', 'localhost') : base
    sendJson(response, 200, {
      status: 'IN_QUEUE',
      request_id: job.id,
      response_url: base,
      status_url: `${statusBase}/status`,
      cancel_url: `${base}/cancel`,
      queue_position: 2,
    })
  }

  /** IN_QUEUE at positions 1 and 0, IN_PROGRESS, then COMPLETED on the fourth poll. */
  const status = (job: Job, response: ServerResponse) => {
    job.polls++
    const behaviour = keys[job.key]
    const slow = behaviour === 'slow' || behaviour === 'stuck'
    const ready =
      behaviour === 'slow' ? Date.now() - job.started >= slowMs : !slow && job.polls >= 4
    if (ready) done.add(job.id)
    const state = done.has(job.id)
      ? 'COMPLETED'
      : job.polls <= 2 && !slow
        ? 'IN_QUEUE'
        : 'IN_PROGRESS'
    const body: Record<string, unknown> = {
      status: state,
      request_id: job.id,
      response_url: jobUrl(job),
    }
    if (state === 'IN_QUEUE') body.queue_position = 2 - job.polls
    sendJson(response, state === 'COMPLETED' ? 200 : 202, body)
  }

  const server = await startFakeServer(async (request, response) => {
    const path = request.path.split('?')[0]!
    const job = /\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(path)
    if (job) {
      const found = jobs.get(job[1]!)
      if (!found || keyOf(request) !== found.key)
        return sendJson(response, 404, { detail: 'Request not found' })
      if (request.method === 'GET' && job[2] === '/status') return status(found, response)
      if (request.method === 'PUT' && job[2] === '/cancel') {
        if (done.has(found.id)) return sendJson(response, 400, { status: 'ALREADY_COMPLETED' })
        done.add(found.id)
        return sendJson(response, 202, { status: 'CANCELLATION_REQUESTED' })
      }
      if (request.method === 'GET' && !job[2]) {
        if (!done.has(found.id))
          return sendJson(response, 400, { detail: 'Request is still in progress' })
        return finish(response, found.key, found.endpoint, found.body)
      }
    }
    const file = files.get(path.replace(/^\/files\//, ''))
    if (request.method === 'GET' && file) {
      served.push(file)
      response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': file.length })
      response.end(file)
      return
    }
    if (request.method === 'POST' && path.startsWith('/fal-ai/'))
      return submit(request, response, path.slice(1))
    sendJson(response, 404, { detail: 'Not Found' })
  })
  origin = server.url
  const generations = () =>
    server.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/fal-ai/'))
  return {
    ...server,
    served,
    bodies: () => generations().map((r) => JSON.parse(r.body.toString('utf8'))),
    endpoints: () => generations().map((r) => r.path.split('?')[0]!.slice(1)),
    polls: () =>
      server.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/status')).length,
    cancels: () =>
      server.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/cancel')).length,
    disconnects: () => disconnects,
  }
}
