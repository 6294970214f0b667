import { encodePng } from '../../src/image/png.ts'
import { inputFolder, validationFailed } from './comfyui-inputs.ts'
import { type FakeServer, type RecordedRequest, sendJson, startFakeServer } from './server.ts'
import type { UploadedFile } from './workers-ai.ts'

/**
 * A fake ComfyUI on 127.0.0.1 speaking its HTTP API (server.py): `POST /prompt` validates the
 * body and answers `{prompt_id, number, node_errors}`; `GET /history/{id}` answers `{}` until the
 * prompt "ran" (after `pendingPolls` polls, or `slowMs`), then `{<id>: {prompt, outputs, status,
 * meta}}` whose SaveImage nodes list `{filename, subfolder, type: "output"}`; `GET /view` serves
 * those files as real PNGs of the graph's latent size; `GET /queue` lists unfinished prompts as
 * running (or pending behind another client's); `POST /queue` and `POST /interrupt` are recorded,
 * and an interrupt stops the prompt as ComfyUI does (its history then holds an
 * `execution_interrupted` error). `POST /upload/image` fills an input folder, whose files
 * LoadImage nodes must name (comfyui-inputs.ts). Every route also answers under `/api`, as
 * ComfyUI's do.
 */

export type ComfyMode =
  | 'ok'
  | 'invalid' // 400 {error, node_errors}: a checkpoint the server does not have
  | 'run-error' // queued, then status_str "error" with an execution_error (out of memory)
  | 'slow' // history stays `{}` for slowMs
  | 'malformed' // 200 from /prompt whose body is not the documented JSON

export type FakeComfyOptions = {
  mode?: ComfyMode
  /** `{}` answers to /history before the result (default 2). */
  pendingPolls?: number
  slowMs?: number
  /** When set, every route wants `Authorization: Bearer <key>`, as an auth proxy would. */
  key?: string
  /** Prompts wait in `queue_pending` behind another client's running one, never starting. */
  queuedBehind?: boolean
}

export type FakeComfy = FakeServer & {
  mode: ComfyMode
  /** The `prompt` graphs submitted, parsed, in order. */
  graphs(): Record<string, { class_type: string; inputs: Record<string, unknown> }>[]
  /** /history polls received. */
  polls(): number
  /** Bodies of POST /interrupt and POST /queue, parsed. */
  interrupts(): unknown[]
  queueDeletes(): unknown[]
  /** Every PNG served by /view, in order. */
  served: Uint8Array[]
  /** The input folder: uploaded files by `subfolder/name` (or `name`). */
  inputs: Map<string, UploadedFile>
}

type Prompt = {
  id: string
  graph: Record<string, Node>
  at: number
  polls: number
  stop?: true
  done?: true
}
type Node = { class_type: string; inputs: Record<string, unknown> }

export async function startFakeComfy(options: FakeComfyOptions = {}): Promise<FakeComfy> {
  const prompts = new Map<string, Prompt>()
  const files = new Map<string, Uint8Array>()
  const { inputs, upload, missingInput } = inputFolder()
  const served: Uint8Array[] = []
  let number = 0

  const submit = (request: RecordedRequest, response: Parameters<typeof sendJson>[0]) => {
    let body: { prompt?: unknown; client_id?: unknown }
    try {
      body = JSON.parse(request.body.toString('utf8'))
    } catch {
      return sendJson(response, 400, { error: 'no prompt', node_errors: [] })
    }
    if (!body.prompt || typeof body.prompt !== 'object') {
      const error = {
        type: 'no_prompt',
        message: 'No prompt provided',
        details: '',
        extra_info: {},
      }
      return sendJson(response, 400, { error, node_errors: {} })
    }
    if (fake.mode === 'malformed') {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end('<html><body>Bad gateway</body></html>')
      return
    }
    if (fake.mode === 'invalid') {
      return sendJson(
        response,
        400,
        validationFailed('4', 'CheckpointLoaderSimple', {
          type: 'value_not_in_list',
          message: 'Value not in list',
          details: "ckpt_name: 'flux1-schnell-fp8.safetensors' not in []",
        }),
      )
    }
    const missing = missingInput(body.prompt as Prompt['graph'])
    if (missing) return sendJson(response, 400, missing)
    const id = crypto.randomUUID()
    prompts.set(id, { id, graph: body.prompt as Prompt['graph'], at: Date.now(), polls: 0 })
    sendJson(response, 200, { prompt_id: id, number: number++, node_errors: {} })
  }

  const history = async (id: string, response: Parameters<typeof sendJson>[0]) => {
    const prompt = prompts.get(id)
    if (!prompt) return sendJson(response, 200, {})
    prompt.polls++
    const waiting =
      options.queuedBehind || fake.mode === 'slow'
        ? Date.now() - prompt.at < (options.slowMs ?? 5_000)
        : prompt.polls <= (options.pendingPolls ?? 2)
    if (waiting && !prompt.stop) return sendJson(response, 200, {})
    prompt.done = true
    sendJson(response, 200, { [id]: await historyEntry(prompt) })
  }

  /** The entry ComfyUI's history keeps for a finished (or failed, or interrupted) prompt. */
  const historyEntry = async (prompt: Prompt) => {
    const started = ['execution_start', { prompt_id: prompt.id, timestamp: prompt.at }]
    const base = { prompt: [0, prompt.id, prompt.graph, {}, ['9']], meta: {} }
    if (prompt.stop || fake.mode === 'run-error') {
      const [event, detail] = prompt.stop
        ? ['execution_interrupted', {}]
        : [
            'execution_error',
            {
              exception_message:
                'Allocation on device would exceed allowed memory. (out of memory)',
              exception_type: 'torch.OutOfMemoryError',
              traceback: [],
              current_inputs: {},
              current_outputs: {},
            },
          ]
      const data = { prompt_id: prompt.id, node_id: '3', node_type: 'KSampler', executed: [] }
      const messages = [started, [event, { ...data, ...detail }]]
      return { ...base, outputs: {}, status: { status_str: 'error', completed: false, messages } }
    }
    const outputs: Record<string, unknown> = {}
    for (const [nodeId, node] of Object.entries(prompt.graph)) {
      if (node.class_type !== 'SaveImage') continue
      const filename = `fluxgate_${String(files.size + 1).padStart(5, '0')}_.png`
      files.set(filename, await latentPng(prompt.graph, files.size + 1))
      outputs[nodeId] = { images: [{ filename, subfolder: '', type: 'output' }] }
    }
    const done = ['execution_success', { prompt_id: prompt.id }]
    const status = { status_str: 'success', completed: true, messages: [started, done] }
    return { ...base, outputs, status }
  }

  const server = await startFakeServer(async (request, response) => {
    const url = new URL(request.path, 'http://fake')
    const path = url.pathname.replace(/^\/api(?=\/)/, '')
    if (options.key && request.headers.authorization !== `Bearer ${options.key}`) {
      response.writeHead(401, { 'content-type': 'text/plain' })
      response.end('401: Unauthorized')
      return
    }
    if (request.method === 'POST' && path === '/prompt') return submit(request, response)
    if (request.method === 'POST' && path === '/upload/image') return upload(request, response)
    const historyId = /^\/history\/([^/]+)$/.exec(path)?.[1]
    if (request.method === 'GET' && historyId) return history(historyId, response)
    if (request.method === 'GET' && path === '/queue') return sendJson(response, 200, queue())
    if (request.method === 'POST' && (path === '/interrupt' || path === '/queue')) {
      const body = request.body.length ? JSON.parse(request.body.toString('utf8')) : {}
      const id = path === '/interrupt' ? body.prompt_id : body.delete?.[0]
      const prompt = prompts.get(id)
      if (prompt && path === '/interrupt') prompt.stop = true
      response.writeHead(200)
      response.end()
      return
    }
    const file = files.get(url.searchParams.get('filename') ?? '')
    if (request.method === 'GET' && path === '/view' && file) {
      served.push(file)
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': file.length })
      response.end(file)
      return
    }
    response.writeHead(404, { 'content-type': 'text/plain' })
    response.end('404: Not Found')
  })

  /** `[number, prompt_id, prompt, extra_data, outputs]` per prompt, as server.py lists them. */
  const queue = () => {
    const open = [...prompts.values()].filter((prompt) => !prompt.done && !prompt.stop)
    const items = open.map((prompt, index) => [index, prompt.id, prompt.graph, {}, ['9']])
    const other = [99, 'another-clients-prompt', {}, {}, ['9']]
    return options.queuedBehind
      ? { queue_running: [other], queue_pending: items }
      : { queue_running: items, queue_pending: [] }
  }
  const posted = (path: string) =>
    server.requests
      .filter((r) => r.method === 'POST' && r.path.replace(/^\/api/, '') === path)
      .map((r) => (r.body.length ? JSON.parse(r.body.toString('utf8')) : {}))
  const fake: FakeComfy = {
    ...server,
    mode: options.mode ?? 'ok',
    graphs: () => posted('/prompt').map((body) => body.prompt),
    polls: () => server.requests.filter((r) => /^(\/api)?\/history\//.test(r.path)).length,
    interrupts: () => posted('/interrupt'),
    queueDeletes: () => posted('/queue'),
    served,
    inputs,
  }
  return fake
}

/** A one-colour PNG the size of the graph's empty latent (512 when it has none). */
function latentPng(graph: Record<string, Node>, shade: number): Promise<Uint8Array> {
  const latent = Object.values(graph).find((node) => /^Empty.*LatentImage$/.test(node.class_type))
  const side = (value: unknown) => (typeof value === 'number' ? value : 512)
  const width = side(latent?.inputs.width)
  const height = side(latent?.inputs.height)
  const rgb = new Uint8Array(width * height * 3).fill((shade * 50) & 0xff)
  return encodePng(width, height, rgb)
}
