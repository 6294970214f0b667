import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { startFakeOpenAiImages } from '../fakes/openai-images.ts'
import { startGateway } from './gateway.ts'

/**
 * Two OpenAI-compatible upstreams that name one model differently (`flux-1-schnell` and
 * `FLUX.1-schnell`), each entry mapping the public id `flux-schnell` to its own name: one listed
 * model, and a failed call on one upstream is retried on the other under that one's name.
 */

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()))
})

async function setup() {
  const [first, second] = await Promise.all([startFakeOpenAiImages(), startFakeOpenAiImages()])
  open.push(first, second)
  const gateway = await startGateway({
    STORAGE: 'memory',
    PROVIDERS: JSON.stringify([
      {
        type: 'openai',
        baseUrl: first.baseUrl,
        models: { 'flux-schnell': 'flux-1-schnell' },
        priority: 1,
      },
      { type: 'openai', baseUrl: second.baseUrl, models: { 'flux-schnell': 'FLUX.1-schnell' } },
    ]),
  })
  open.push(gateway)
  const client = new OpenAI({ apiKey: 'unused', baseURL: `${gateway.url}/v1`, maxRetries: 0 })
  return { first, second, client }
}

describe('one public id over two upstream names', () => {
  it('lists the public id once, and not the upstream names', async () => {
    const { client } = await setup()
    const { data } = await client.models.list()
    expect(data.map((model) => [model.id, model.owned_by])).toEqual([['flux-schnell', 'openai']])
    expect(await client.models.retrieve('openai-2/FLUX.1-schnell')).toMatchObject({
      id: 'openai-2/FLUX.1-schnell',
    })
  })

  it('fails over to the second upstream, asking each for the model by its own name', async () => {
    const { first, second, client } = await setup()
    first.mode('server-error')
    const reply = await client.images.generate({
      model: 'flux-schnell',
      prompt: 'a red fox',
      size: '512x512',
      response_format: 'b64_json',
    })
    expect(reply.data).toHaveLength(1)
    expect(reply).toMatchObject({ model: 'flux-schnell', provider: 'openai-2' })
    expect(first.bodies().map((body) => body.model)).toEqual(['flux-1-schnell'])
    expect(second.bodies().map((body) => body.model)).toEqual(['FLUX.1-schnell'])
  })

  it('routes to the preferred upstream first when it answers', async () => {
    const { first, second, client } = await setup()
    const reply = await client.images.generate({ model: 'flux-schnell', prompt: 'a red fox' })
    expect(reply).toMatchObject({ model: 'flux-schnell', provider: 'openai' })
    expect(first.bodies().map((body) => body.model)).toEqual(['flux-1-schnell'])
    expect(second.bodies()).toEqual([])
  })
})
