import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeServer, startFakeServer } from '../fakes/server.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * `models.list` and `models.retrieve` from the official `openai` SDK against the Node entry,
 * with Workers AI and SiliconFlow configured at a fake that must never be called: ids with `/`
 * and `@`, which the SDK sends percent-encoded, OpenAI's image ids, and the 404 for the rest.
 */

const KEY = 'client-key-0123456789'
let gateway: RunningGateway
let upstream: FakeServer
let client: OpenAI

beforeAll(async () => {
  upstream = await startFakeServer((_request, response) => {
    response.writeHead(500)
    response.end()
  })
  gateway = await startGateway({
    STORAGE: 'memory',
    API_KEY: KEY,
    CF_ACCOUNT_ID: 'acc',
    CF_API_TOKEN: 'cf-token',
    CF_API_BASE: upstream.url,
    PROVIDERS: JSON.stringify([{ type: 'siliconflow', keys: ['sf'], baseUrl: upstream.url }]),
  })
  client = new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 })
})
afterAll(async () => {
  await gateway.close()
  await upstream.close()
})

describe('openai SDK: models', () => {
  it('models.list gives every entry its endpoint types and architecture', async () => {
    const models = []
    for await (const model of client.models.list()) models.push(model)
    expect(models.length).toBeGreaterThan(3)
    expect(models[0]).toMatchObject({
      id: 'flux-schnell',
      object: 'model',
      owned_by: 'workers-ai,siliconflow',
    })
    for (const model of models as unknown as Record<string, unknown>[]) {
      // Cherry Studio files a model under the first type: image-generation opens its painting page.
      expect(model.supported_endpoint_types).toEqual([
        'image-generation',
        'openai',
        'openai-response',
      ])
      const { architecture } = model as {
        architecture: { modality: string; input_modalities: string[]; output_modalities: string[] }
      }
      expect(architecture.output_modalities).toEqual(['image'])
      expect(architecture.input_modalities).toContain('text')
      expect(architecture.modality).toBe(`${architecture.input_modalities.join('+')}->image`)
    }
    expect(upstream.requests).toEqual([])
  })

  it('models.retrieve answers a listed id with its line of the list', async () => {
    const listed = (await client.models.list()).data
    for (const model of listed) {
      const one = await client.models.retrieve(model.id)
      expect(one).toEqual(model)
    }
  })

  it('models.retrieve answers qualified and upstream ids, which hold / and @', async () => {
    expect(await client.models.retrieve('siliconflow/flux-schnell')).toMatchObject({
      id: 'siliconflow/flux-schnell',
      object: 'model',
      owned_by: 'siliconflow',
    })
    expect(await client.models.retrieve('@cf/black-forest-labs/flux-1-schnell')).toMatchObject({
      id: '@cf/black-forest-labs/flux-1-schnell',
      owned_by: 'workers-ai',
    })
    // The SDK percent-encodes the id's slashes, keeping it one path segment.
    const paths = gateway.logs.map((line) => line.path)
    expect(paths).toContain('/v1/models/siliconflow%2Fflux-schnell')
    expect(paths).toContain('/v1/models/@cf%2Fblack-forest-labs%2Fflux-1-schnell')
    expect(await client.models.retrieve('Black-Forest-Labs/FLUX.1-dev')).toMatchObject({
      id: 'black-forest-labs/FLUX.1-dev',
      owned_by: 'siliconflow',
    })
    expect(upstream.requests).toEqual([])
  })

  it("models.retrieve answers OpenAI's image ids, which stand for the default model", async () => {
    for (const id of ['dall-e-3', 'gpt-image-1', 'gpt-image-2', 'gpt-image-1-2025-04-23']) {
      expect(await client.models.retrieve(id)).toMatchObject({
        id,
        owned_by: 'workers-ai,siliconflow',
      })
    }
  })

  it("models.retrieve raises NotFoundError for an unknown id, in OpenAI's error shape", async () => {
    for (const id of ['midjourney-v7', 'together/flux-schnell', 'a/b@c']) {
      const error = await client.models.retrieve(id).catch((thrown: unknown) => thrown)
      expect(error).toBeInstanceOf(OpenAI.NotFoundError)
      const notFound = error as InstanceType<typeof OpenAI.NotFoundError>
      expect(notFound.status).toBe(404)
      expect(notFound.code).toBe('model_not_found')
      expect(notFound.error).toMatchObject({
        type: 'invalid_request_error',
        message: expect.stringContaining(`'${id}'`),
      })
    }
  })

  it('takes ids unencoded and without /v1, as curl users write them', async () => {
    const get = (path: string) =>
      fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } })
    for (const path of [
      '/v1/models/@cf/black-forest-labs/flux-1-schnell',
      '/models/%40cf%2Fblack-forest-labs%2Fflux-1-schnell',
      '/v1/v1/models/@cf/black-forest-labs/flux-1-schnell/',
    ]) {
      const response = await get(path)
      expect(response.status).toBe(200)
      expect((await response.json()).id).toBe('@cf/black-forest-labs/flux-1-schnell')
    }
    const unknown = await get('/v1/models/nope/nope')
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get('x-should-retry')).toBe('false')
    const anonymous = await fetch(`${gateway.url}/v1/models/flux-schnell`)
    expect(anonymous.status).toBe(401)
  })
})
