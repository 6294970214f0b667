import type { ServerResponse } from 'node:http'
import { testPng } from '../contracts/provider.ts'
import { listsOutputs, outputSize, validate } from './replicate-schema.ts'
import { type FakeServer, type RecordedRequest, sendJson, startFakeServer } from './server.ts'
import { makeJpeg } from './workers-ai-image.ts'

/**
 * A fake Replicate on 127.0.0.1 (replicate.com/docs, the FLUX models' API schemas). `POST
 * /v1/models/{owner}/{name}/predictions` with a bearer token and `{input}` answers 201 with a
 * prediction; it is `starting` (or, for 'instant', already `succeeded`, as `Prefer: wait` allows),
 * and `GET urls.get` moves it on: starting -> processing -> succeeded. `POST urls.cancel` cancels
 * it. Inputs are validated as the FLUX schemas do (replicate-schema.ts): ratios from each
 * model's list, sizes only where `custom`, input images as data URIs or URLs. Output is an array
 * of file URLs for schnell and dev, one URL for the other models.
 */

export type ReplicateBehaviour =
  | 'ok'
  | 'instant' // succeeded within the Prefer: wait hold
  | 'throttled' // 429 "Your rate limit resets in ~30s."
  | 'unauthorized' // 401
  | 'no-credit' // 402
  | 'nsfw' // the prediction fails with cog-flux's NSFW message
  | 'failed' // the prediction fails with another error
  | 'server-error' // 500 on create
  | 'malformed' // 201 whose body is not a prediction
  | 'slow' // succeeds after slowMs
  | 'stuck' // processing forever

export type FakeReplicateOptions = { keys?: Record<string, ReplicateBehaviour>; slowMs?: number }

export type FakeReplicate = FakeServer & {
  /** `<url>/v1`. */
  baseUrl: string
  /** Parsed bodies of prediction creations, in order. */
  bodies(): { input: Record<string, unknown> }[]
  polls(): number
  cancels(): number
  served: Uint8Array[]
}

type Prediction = {
  id: string
  key: string
  model: string
  input: Record<string, unknown>
  status: string
  polls: number
  started: number
  output?: string | string[]
  error?: string
}

export async function startFakeReplicate(
  options: FakeReplicateOptions = {},
): Promise<FakeReplicate> {
  const keys: Record<string, ReplicateBehaviour> = { good: 'ok', ...options.keys }
  const slowMs = options.slowMs ?? 2_000
  const predictions = new Map<string, Prediction>()
  const files = new Map<string, { bytes: Uint8Array; type: string }>()
  const served: Uint8Array[] = []
  let counter = 0
  let origin = ''

  const view = (p: Prediction) => ({
    id: p.id,
    model: p.model,
    version: 'dp-4d0bcc010b3049749a251855f12800be',
    input: p.input,
    logs: p.status === 'succeeded' ? `Using seed: ${p.input.seed ?? 5555}\n` : '',
    output: p.output ?? null,
    data_removed: false,
    error: p.error ?? null,
    status: p.status,
    created_at: new Date(p.started).toISOString(),
    urls: {
      cancel: `${origin}/v1/predictions/${p.id}/cancel`,
      get: `${origin}/v1/predictions/${p.id}`,
      stream: `https://stream.replicate.com/v1/files/${p.id}`,
      web: `https://replicate.com/p/${p.id}`,
    },
  })

  const succeed = async (p: Prediction) => {
    const { width, height } = outputSize(p.input)
    const format = String(p.input.output_format ?? 'webp')
    const urls: string[] = []
    for (let i = 0; i < Number(p.input.num_outputs ?? 1); i++) {
      const name = `${p.id}-${i}.${format}`
      const png = format === 'png'
      const bytes = png
        ? await testPng(width, height, ++counter)
        : makeJpeg(width, height, 4096 + ++counter)
      files.set(name, { bytes, type: png ? 'image/png' : 'image/jpeg' })
      urls.push(`${origin}/files/${name}`)
    }
    p.status = 'succeeded'
    p.output = listsOutputs(p.model) ? urls : urls[0]
  }

  /** Moves a prediction one step on, as time passes between polls. */
  const advance = async (p: Prediction) => {
    const behaviour = keys[p.key]
    if (p.status !== 'starting' && p.status !== 'processing') return
    p.polls++
    if (behaviour === 'stuck') p.status = 'processing'
    else if (behaviour === 'slow') {
      if (Date.now() - p.started >= slowMs) await succeed(p)
      else p.status = 'processing'
    } else if (p.polls === 1) p.status = 'processing'
    else if (behaviour === 'nsfw') {
      p.status = 'failed'
      p.error =
        'All generated images contained NSFW content. Try running it again with a different prompt.'
    } else if (behaviour === 'failed') {
      p.status = 'failed'
      p.error = 'CUDA out of memory. Tried to allocate 2.00 GiB'
    } else await succeed(p)
  }

  const create = async (request: RecordedRequest, response: ServerResponse, model: string) => {
    const key = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''
    const behaviour = keys[key]
    if (!behaviour || behaviour === 'unauthorized') {
      return sendJson(response, 401, {
        title: 'Unauthenticated',
        detail: 'You did not pass a valid authentication token',
        status: 401,
      })
    }
    if (behaviour === 'no-credit') {
      return sendJson(response, 402, {
        title: 'Insufficient credit',
        detail:
          'You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit.',
        status: 402,
      })
    }
    if (behaviour === 'throttled') {
      return sendJson(response, 429, {
        detail: 'Request was throttled. Your rate limit resets in ~30s.',
        status: 429,
      })
    }
    if (behaviour === 'server-error')
      return sendJson(response, 500, { detail: 'Internal Server Error', status: 500 })
    const { input = {} } = JSON.parse(request.body.toString('utf8')) as {
      input?: Record<string, unknown>
    }
    const invalid = validate(model, input)
    if (invalid.length) {
      return sendJson(response, 422, {
        title: 'Input validation failed',
        detail: invalid.map((field) => `- ${field.description}`).join('\n'),
        status: 422,
        invalid_fields: invalid,
      })
    }
    if (behaviour === 'malformed') return sendJson(response, 201, { prediction: 'pending' })
    const p: Prediction = {
      id: `p${++counter}x`,
      key,
      model,
      input,
      status: 'starting',
      polls: 0,
      started: Date.now(),
    }
    predictions.set(p.id, p)
    if (behaviour === 'instant') await succeed(p)
    sendJson(response, 201, view(p))
  }

  const server = await startFakeServer(async (request, response) => {
    const path = request.path.split('?')[0]!
    const model = /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/.exec(path)
    if (request.method === 'POST' && model) return create(request, response, model[1]!)
    const job = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(path)
    const p = job && predictions.get(job[1]!)
    if (p && request.headers.authorization === `Bearer ${p.key}`) {
      if (request.method === 'GET' && !job[2]) {
        await advance(p)
        return sendJson(response, 200, view(p))
      }
      if (request.method === 'POST' && job[2]) {
        if (p.status === 'starting' || p.status === 'processing') p.status = 'canceled'
        return sendJson(response, 200, view(p))
      }
    }
    const file = files.get(path.replace(/^\/files\//, ''))
    if (request.method === 'GET' && file) {
      served.push(file.bytes)
      response.writeHead(200, { 'content-type': file.type, 'content-length': file.bytes.length })
      response.end(file.bytes)
      return
    }
    sendJson(response, 404, { detail: 'Not found.', status: 404 })
  })
  origin = server.url
  const matching = (method: string, pattern: RegExp) =>
    server.requests.filter((r) => r.method === method && pattern.test(r.path))
  return {
    ...server,
    baseUrl: `${server.url}/v1`,
    served,
    bodies: () =>
      matching('POST', /\/models\/.+\/predictions$/).map((r) =>
        JSON.parse(r.body.toString('utf8')),
      ),
    polls: () => matching('GET', /^\/v1\/predictions\/[^/]+$/).length,
    cancels: () => matching('POST', /^\/v1\/predictions\/[^/]+\/cancel$/).length,
  }
}
