import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../../src/config.ts'
import { modalContractFake } from '../contracts/modal-fake.ts'
import { describeProviderContract, gatewayFor, rejection } from '../contracts/provider.ts'
import { type FakeOpenAiImages, startFakeOpenAiImages } from '../fakes/openai-images.ts'
import { startGateway } from './gateway.ts'

/**
 * The openai provider (any OpenAI-compatible images API) against a fake on 127.0.0.1: as OpenAI
 * itself (keyed, fixed-size models) and as a keyless self-hosted server; and end to end through
 * `POST /v1/images/generations` with the official `openai` SDK.
 */

const KEY = 'sk-test-0123456789abcdef'

const entryFor = (fake: FakeOpenAiImages, extra: Partial<ProviderEntry> = {}): ProviderEntry => ({
  type: 'openai',
  keys: [KEY],
  baseUrl: fake.baseUrl,
  models: ['sd-turbo'],
  priority: 0,
  weight: 1,
  options: {},
  ...extra,
})

describeProviderContract('openai', async ({ slowMs }) => {
  const fake = await startFakeOpenAiImages({ keys: [KEY], slowMs })
  return {
    entry: entryFor(fake),
    fake: modalContractFake(fake),
  }
})

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()))
})

async function setup(extra: Partial<ProviderEntry> = {}, keys?: string[]) {
  const fake = await startFakeOpenAiImages({ keys })
  open.push(fake)
  return { fake, ...gatewayFor([entryFor(fake, extra)]) }
}

describe('openai provider, self-hosted', () => {
  it('sends no Authorization header without a key, and the generic body', async () => {
    const { fake, generate } = await setup({ keys: [] })
    const result = await generate({ width: 700, height: 500, seed: 5, n: 2 })
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([undefined, undefined])
    // One image per call on servers of unknown n support; no seed field exists to send.
    expect(fake.bodies()).toEqual([
      {
        model: 'sd-turbo',
        prompt: 'a red fox in fresh snow',
        n: 1,
        size: '704x504',
        response_format: 'b64_json',
      },
      {
        model: 'sd-turbo',
        prompt: 'a red fox in fresh snow',
        n: 1,
        size: '704x504',
        response_format: 'b64_json',
      },
    ])
    expect(result.images.map((image) => image.bytes)).toEqual(fake.served)
    expect(result).toMatchObject({ model: 'sd-turbo', provider: 'openai', seed: undefined })
  })

  it('downloads a URL reply from the server itself and keeps only as many images as asked', async () => {
    const { fake, generate } = await setup({ keys: [] })
    fake.mode('url')
    const result = await generate({ width: 256, height: 256 })
    expect(result.images[0]!.bytes).toEqual(fake.served[0])
    fake.mode('extra-images')
    expect((await generate({ width: 256, height: 256 })).images).toHaveLength(1)
  })

  it('asks the operator for model ids when a self-hosted entry names none', async () => {
    const fake = await startFakeOpenAiImages()
    open.push(fake)
    expect(() => gatewayFor([entryFor(fake, { keys: [], models: undefined })])).toThrow(
      /PROVIDERS: openai entry \(http:\/\/127\.0\.0\.1:\d+\/v1\): "models" must name the model ids/,
    )
  })
})

describe('openai provider, OpenAI models', () => {
  it('omits response_format for GPT image models and fits to their nearest size', async () => {
    const { fake, generate } = await setup({ models: ['gpt-image-1'] }, [KEY])
    const result = await generate({ width: 1920, height: 1080, n: 3 })
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(fake.bodies()).toEqual([
      { model: 'gpt-image-1', prompt: 'a red fox in fresh snow', n: 3, size: '1536x1024' },
    ])
    expect(result.warnings).toContain('size 1920x1080 fitted to 1536x1024')
    expect(result.images).toHaveLength(3)
  })

  it('asks dall-e-3 for one image per call, in its sizes, as base64', async () => {
    const { fake, generate } = await setup({ models: ['dall-e-3'] }, [KEY])
    await generate({ model: 'openai/dall-e-3', width: 1024, height: 1536, n: 2 })
    expect(fake.bodies()).toEqual(
      Array(2).fill({
        model: 'dall-e-3',
        prompt: 'a red fox in fresh snow',
        n: 1,
        size: '1024x1792',
        response_format: 'b64_json',
      }),
    )
  })

  it('serves gpt-image-1-mini when an entry on OpenAI itself names no model', () => {
    const { catalogue } = gatewayFor([
      { type: 'openai', keys: [KEY], priority: 0, weight: 1, options: {} },
    ])
    expect(catalogue.publicIds).toEqual(['gpt-image-1-mini'])
  })

  it.each([
    ['gpt-image-1', 'refused'],
    ['dall-e-3', 'refused'],
    ['dall-e-3', 'safety-message'],
  ] as const)('treats a %s %s reply as a refusal', async (model, mode) => {
    const { fake, generate } = await setup({ models: [model] }, [KEY])
    fake.mode(mode)
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 400, code: 'content_policy_violation', retryable: false })
    expect(error.message).toMatch(
      /openai: refused the prompt \(HTTP 400\): Your request was rejected/,
    )
  })

  it('disables a key whose quota is used up, and never quotes the key', async () => {
    const { fake, generate, catalogue } = await setup({}, [KEY])
    fake.mode('no-quota')
    const error = await rejection(generate())
    expect(error).toMatchObject({ status: 502, code: 'no_usable_upstream' })
    expect(catalogue.targets[0]!.health.disabled).toMatch(
      /no credit left.*exceeded your current quota/,
    )
    const unauthorized = await setup({}, ['sk-other-key-000000'])
    const rejected = await rejection(unauthorized.generate())
    expect(rejected.message).toMatch(/the API key was rejected \(HTTP 401\): Incorrect API key/)
    expect(rejected.message).not.toMatch(/sk-/)
  })
})

describe('POST /v1/images/generations through the openai SDK', () => {
  it('returns the upstream image as b64_json and as a URL, and the refusal as a 400', async () => {
    const fake = await startFakeOpenAiImages()
    open.push(fake)
    const gateway = await startGateway({
      PROVIDERS: JSON.stringify([{ type: 'openai', baseUrl: fake.baseUrl, models: ['sd-turbo'] }]),
    })
    open.push(gateway)
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${gateway.url}/v1`, maxRetries: 0 })

    const inline = await client.images.generate({
      model: 'sd-turbo',
      prompt: 'a lighthouse at dusk',
      size: '512x512',
      response_format: 'b64_json',
    })
    expect(new Uint8Array(Buffer.from(inline.data![0]!.b64_json!, 'base64'))).toEqual(
      fake.served[0],
    )
    expect(fake.bodies()[0]).toMatchObject({ model: 'sd-turbo', size: '512x512' })
    expect(fake.requests[0]!.headers.authorization).toBeUndefined()

    const linked = await client.images.generate({
      model: 'sd-turbo',
      prompt: 'a lighthouse',
      response_format: 'url',
    })
    const download = await fetch(linked.data![0]!.url!)
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(fake.served[1])

    fake.mode('refused')
    const refused = await client.images
      .generate({ model: 'sd-turbo', prompt: 'x' })
      .catch((error) => error)
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError)
    expect(refused).toMatchObject({ status: 400, code: 'content_policy_violation' })
  })
})
