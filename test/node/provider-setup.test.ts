import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { buildProviders } from '../../src/providers/build.ts'
import { providerTypes } from '../../src/providers/index.ts'
import { gatewayFor, rejection } from '../contracts/provider.ts'
import { type FakeOpenAiImages, startFakeOpenAiImages } from '../fakes/openai-images.ts'

/**
 * What a provider is fixed with when it is built: its name (numbered for a second entry of one
 * type, and the same in its errors, the logs and /v1/status) and its options, checked like any
 * other setting so a typo stops start-up instead of becoming a silent default.
 */

const fakes: FakeOpenAiImages[] = []
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()))
})

describe('provider names', () => {
  it('names a second entry of one type openai-2, in its errors as in status', async () => {
    const [first, second] = [await startFakeOpenAiImages(), await startFakeOpenAiImages()]
    fakes.push(first!, second!)
    second!.mode('server-error')
    const entry = (baseUrl: string, model: string) => ({
      type: 'openai',
      keys: [],
      baseUrl,
      models: [model],
      priority: 0,
      weight: 1,
      options: {},
    })
    const { catalogue, generate } = gatewayFor([
      entry(first!.baseUrl, 'first-model'),
      entry(second!.baseUrl, 'second-model'),
    ])
    expect(catalogue.targets.map((target) => target.provider.name)).toEqual(['openai', 'openai-2'])

    expect((await generate({ model: 'first-model' })).provider).toBe('openai')
    const error = await rejection(generate({ model: 'second-model' }))
    expect(error.message).toMatch(/openai-2: server error \(HTTP 500\)/)
    expect(error.message).not.toMatch(/openai: /)
    expect(catalogue.targets[1]!.health.lastError).toMatch(/^openai-2: server error/)
  })
})

describe('provider options', () => {
  const build = (entry: Record<string, unknown>) => () =>
    buildProviders(
      loadConfig({ STORAGE: 'memory', PROVIDERS: JSON.stringify([{ keys: ['k:t'], ...entry }]) }),
      {},
    )

  it.each([
    ['fal', { mode: 'synk' }, /fal entry.*: options\.mode: .*"queue"\|"sync"/],
    ['fal', { pollIntervalMs: 'fast' }, /fal entry.*: options\.pollIntervalMs: .*number/],
    ['workers-ai', { numSteps: 'four' }, /workers-ai entry.*: options\.numSteps: .*number/],
    ['workers-ai', { numSteps: 80 }, /workers-ai entry.*: options\.numSteps: .*50/],
    [
      'replicate',
      { outputFormat: 'webp' },
      /replicate entry.*: options\.outputFormat: .*"jpg"\|"png"/,
    ],
    ['bfl', { pollIntervalMs: 0 }, /bfl entry.*: options\.pollIntervalMs: .*1/],
    ['automatic1111', { cfgScale: 'high' }, /automatic1111 entry.*: options\.cfgScale: .*number/],
    ['comfyui', { maxSteps: 0 }, /comfyui entry.*: options\.maxSteps: .*1/],
    ['demo', { delayMs: -1 }, /demo entry.*: options\.delayMs: .*0/],
  ])('%s refuses options %j at start-up', (type, options, message) => {
    const run = build({ type, options })
    expect(run).toThrow(ConfigError)
    expect(run).toThrow(message)
  })

  it.each(
    providerTypes.map((type) => [type]),
  )('%s refuses an option it does not know, naming the ones it takes', (type) => {
    const run = build({ type, models: ['m'], options: { bogus: 1 } })
    expect(run).toThrow(ConfigError)
    expect(run).toThrow(
      new RegExp(`PROVIDERS: ${type} entry.*: unknown option "bogus" \\((allowed|it takes)`),
    )
  })

  it('names the allowed options, or says there are none', () => {
    expect(build({ type: 'fal', options: { modes: 'sync' } })).toThrow(
      /unknown option "modes" \(allowed: mode, pollIntervalMs\)/,
    )
    expect(build({ type: 'siliconflow', options: { mode: 'sync' } })).toThrow(
      /unknown option "mode" \(it takes no options\)/,
    )
  })

  it('takes good options as given', () => {
    const [built] = build({ type: 'fal', options: { mode: 'sync', pollIntervalMs: 20 } })()
    expect(built!.provider.name).toBe('fal')
    const [workersAi] = build({ type: 'workers-ai', options: { numSteps: 8 } })()
    expect(workersAi!.provider.models[0]!.capabilities.steps?.default).toBe(8)
  })
})
