import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConfigError } from '../../src/config.ts'
import worker from '../../src/runtime/worker.ts'
import { startFakeComfy } from '../fakes/comfyui.ts'
import { type FakeServer, startFakeServer } from '../fakes/server.ts'
import { startFakeSiliconflow } from '../fakes/siliconflow.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * `/v1/models` and model routing over real HTTP against the Node entry, with Workers AI,
 * SiliconFlow and ComfyUI configured at local fakes; and the start-up errors a bad model or
 * PROVIDERS setting causes on Node (exit 1 with the message) and Workers (500 on each request).
 */

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()))
})

async function gateway(env: Record<string, string>): Promise<RunningGateway> {
  const running = await startGateway({ STORAGE: 'memory', ...env })
  open.push(running)
  return running
}

/** Three upstreams that must never be called for /v1/models. */
async function upstreams() {
  const workersAi = await startFakeServer((_request, response) => {
    response.writeHead(500)
    response.end()
  })
  const siliconflow = await startFakeSiliconflow()
  const comfy = await startFakeComfy()
  open.push(workersAi, siliconflow, comfy)
  const env = {
    CF_ACCOUNT_ID: 'acc',
    CF_API_TOKEN: 'cf-token',
    CF_API_BASE: workersAi.url,
    PROVIDERS: JSON.stringify([
      { type: 'siliconflow', keys: ['good'], baseUrl: siliconflow.baseUrl },
      { type: 'comfyui', baseUrl: comfy.url, options: { pollIntervalMs: 10 } },
    ]),
  }
  const fakes: FakeServer[] = [workersAi, siliconflow, comfy]
  return { env, fakes, siliconflow, comfy }
}

describe('GET /v1/models', () => {
  it('lists every servable public id once, with the providers serving it, from config alone', async () => {
    const { env, fakes } = await upstreams()
    const { url } = await gateway(env)
    const response = await fetch(`${url}/v1/models`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = await response.json()
    expect(body.object).toBe('list')
    const owners = Object.fromEntries(
      body.data.map((model: { id: string; owned_by: string }) => [model.id, model.owned_by]),
    )
    expect(body.data[0]).toEqual({
      id: 'flux-schnell',
      object: 'model',
      created: 1_700_000_000,
      owned_by: 'workers-ai,siliconflow,comfyui',
      supported_endpoint_types: ['image-generation', 'openai', 'openai-response'],
      architecture: {
        modality: 'text->image',
        input_modalities: ['text'],
        output_modalities: ['image'],
      },
    })
    expect(owners).toMatchObject({
      'flux-2-klein-4b': 'workers-ai',
      'flux-2-dev': 'workers-ai',
      'flux-dev': 'siliconflow',
      kolors: 'siliconflow',
    })
    const ids: string[] = body.data.map((model: { id: string }) => model.id)
    expect(new Set(ids).size).toBe(ids.length)
    // LobeChat drops ids with these words; qualified and upstream ids route but are not listed.
    for (const id of ids) {
      expect(id).not.toMatch(/dall-e|tts|whisper|embedding|moderation|davinci|babbage|\//)
    }
    for (const fake of fakes) expect(fake.requests).toEqual([])

    // Other spellings answer the same list to an OpenAI client, which always sends a key.
    const headers = { Authorization: 'Bearer any' }
    for (const path of ['/models', '/v1/v1/models']) {
      expect(await (await fetch(`${url}${path}`, { headers })).json()).toEqual(body)
    }
    // Without one, a bare /models is Pollinations' list: the same ids, in the same order.
    expect(await (await fetch(`${url}/models`)).json()).toEqual(ids)
  })
})

describe('model routing over HTTP', () => {
  const generate = async (url: string, model: string) => {
    const response = await fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, prompt: 'a red fox', size: '256x256', response_format: 'url' }),
    })
    expect(response.status).toBe(200)
  }

  it('sends qualified ids to their provider only, and OpenAI ids to DEFAULT_MODEL', async () => {
    const { env, siliconflow, comfy } = await upstreams()
    const { url } = await gateway({
      PROVIDERS: env.PROVIDERS,
      DEFAULT_MODEL: 'comfyui/flux-schnell',
    })
    await generate(url, 'comfyui/flux-schnell')
    await generate(url, 'dall-e-3')
    expect(comfy.graphs()).toHaveLength(2)
    expect(siliconflow.bodies()).toHaveLength(0)
    await generate(url, 'siliconflow/black-forest-labs/FLUX.1-schnell')
    await generate(url, 'SiliconFlow/Flux-Schnell')
    expect(siliconflow.bodies()).toHaveLength(2)
    expect(comfy.graphs()).toHaveLength(2)

    const unknown = await fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'midjourney', prompt: 'a red fox' }),
    })
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error).toMatchObject({ code: 'model_not_found' })
  })
})

describe('start-up errors about models and providers', () => {
  const refusal = (env: Record<string, string>) =>
    gateway(env).then(
      () => expect.unreachable('expected start-up to fail'),
      (error: Error) => {
        expect(error).toBeInstanceOf(ConfigError)
        return error.message
      },
    )

  it('refuses a DEFAULT_MODEL that nothing serves, listing what is servable', async () => {
    const message = await refusal({ IMAGE_API_KEYS: 'sk-1', DEFAULT_MODEL: 'flux-pro-1.1' })
    expect(message).toContain(
      '- DEFAULT_MODEL: "flux-pro-1.1" is not served by the configured providers; servable: flux-schnell',
    )
  })

  it('names a PROVIDERS entry of a keyed type without keys, and an unknown type', async () => {
    const PROVIDERS = JSON.stringify([
      { type: 'comfyui' },
      { type: 'together' },
      { type: 'midjourney', keys: ['k'] },
    ])
    const message = await refusal({ PROVIDERS })
    expect(message).toContain('PROVIDERS: entry 2.type: type "midjourney" must be one of:')
    const keyless = await refusal({ PROVIDERS: JSON.stringify([{ type: 'together' }]) })
    expect(keyless).toContain('- PROVIDERS: entry 0 (together) needs "keys"')
  })

  it('names a comfyui entry whose workflow has no {{prompt}}', async () => {
    const workflow = { '1': { class_type: 'SaveImage', inputs: { images: ['2', 0] } } }
    const PROVIDERS = JSON.stringify([{ type: 'comfyui', options: { workflow } }])
    expect(await refusal({ PROVIDERS })).toContain(
      '- PROVIDERS: comfyui entry: options.workflow has no "{{prompt}}" placeholder',
    )
  })

  it('exits 1 with the message from the Node entry, and answers 500 on Workers', async () => {
    const root = resolve(import.meta.dirname, '../..')
    const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'src/runtime/node.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', PORT: '0', DEFAULT_MODEL: 'nope', STORAGE: 'memory' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const code = await new Promise((done) => child.once('exit', done))
    expect(code).toBe(1)
    expect(stderr).toContain('- DEFAULT_MODEL: "nope" is not served')
    expect(stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace

    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const response = await worker.fetch(
      new Request('https://gw.example/v1/models'),
      {
        DEFAULT_MODEL: 'nope',
      },
      {} as never,
    )
    expect(response.status).toBe(500)
    const { error } = await response.json()
    expect(error.code).toBe('invalid_configuration')
    expect(error.message).toContain('DEFAULT_MODEL: "nope" is not served')
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('DEFAULT_MODEL'))
    logged.mockRestore()
  })
})
