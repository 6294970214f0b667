import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../config.ts'
import { buildProviders } from '../build.ts'
import type { AiBinding } from '../types.ts'
import { withWorkersAiEntries } from './entries.ts'

const ai: AiBinding = { run: async () => ({}) }
const accounts = { CF_ACCOUNTS: 'acc1:token-1,acc2:token-2' }

describe('withWorkersAiEntries', () => {
  it('keeps the base URL, model and steps the configuration gave REST entries', () => {
    const config = loadConfig({
      ...accounts,
      FLUX_MODEL: '@cf/leonardo/phoenix-1.0',
      FLUX_NUM_STEPS: '6',
    })
    const [entry] = withWorkersAiEntries(config, {})
    expect(entry).toMatchObject({
      type: 'workers-ai',
      keys: ['acc1:token-1', 'acc2:token-2'],
      baseUrl: 'https://api.cloudflare.com/client/v4',
      options: { model: '@cf/leonardo/phoenix-1.0', numSteps: 6 },
    })
  })

  it('puts the binding before REST accounts, one priority above them', () => {
    const entries = withWorkersAiEntries(loadConfig(accounts), { ai })
    expect(entries.map((entry) => [entry.keys.length, entry.priority])).toEqual([
      [0, 1],
      [2, 0],
    ])
    const providers = buildProviders(loadConfig(accounts), { ai })
    expect(providers.map(({ provider }) => provider.name)).toEqual([
      'workers-ai-binding',
      'workers-ai',
    ])
  })

  it('makes the binding a last resort behind other providers, and the only one alone', () => {
    const others = loadConfig({ IMAGE_API_KEYS: 'sk-one' })
    const entries = withWorkersAiEntries(others, { ai })
    expect(entries.map((entry) => [entry.type, entry.priority])).toEqual([
      ['siliconflow', 0],
      ['workers-ai', -1],
    ])
    const alone = withWorkersAiEntries(loadConfig({}), { ai })
    expect(alone).toEqual([
      expect.objectContaining({
        type: 'workers-ai',
        keys: [],
        options: { model: expect.any(String), numSteps: 4 },
      }),
    ])
    expect(withWorkersAiEntries(loadConfig({}), {})).toEqual([])
  })

  it('adds no second binding entry when PROVIDERS declares a keyless one', () => {
    const config = loadConfig({ PROVIDERS: JSON.stringify([{ type: 'workers-ai', priority: 5 }]) })
    const entries = withWorkersAiEntries(config, { ai })
    expect(entries).toHaveLength(1)
    expect(entries[0]!.priority).toBe(5)
  })

  it('refuses a keyless entry without the binding with a message naming the variables', () => {
    const config = loadConfig({ PROVIDERS: JSON.stringify([{ type: 'workers-ai' }]) })
    expect(() => buildProviders(config, {})).toThrow(/CF_ACCOUNT_ID/)
  })
})
