import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'

/** The variable names of Flux-API-Worker and freefluxapi, read into today's configuration. */
describe('loadConfig with legacy names', () => {
  it('maps Flux-API-Worker’s API_KEY, CF_ACCOUNT_ID + CF_API_TOKEN, FLUX_*, IMAGE_EXPIRATION', () => {
    const config = loadConfig({
      API_KEY: 'client-key',
      CF_ACCOUNT_ID: 'acct',
      CF_API_TOKEN: 'token',
      FLUX_MODEL: '@cf/black-forest-labs/flux-2-dev',
      FLUX_NUM_STEPS: '8',
      IMAGE_EXPIRATION: '600',
    })
    expect(config.clientKeys).toEqual(['client-key'])
    expect(config.providers).toEqual([
      {
        type: 'workers-ai',
        keys: ['acct:token'],
        baseUrl: 'https://api.cloudflare.com/client/v4',
        priority: 0,
        weight: 1,
        options: { model: '@cf/black-forest-labs/flux-2-dev', numSteps: 8 },
      },
    ])
    expect(config.workersAi).toMatchObject({
      model: '@cf/black-forest-labs/flux-2-dev',
      numSteps: 8,
    })
    expect(config.imageExpirationSeconds).toBe(600)
  })

  it('maps freefluxapi’s IMAGE_API_KEYS to SiliconFlow, merged with SILICONFLOW_API_KEYS', () => {
    const [entry, ...rest] = loadConfig({
      IMAGE_API_KEYS: 'k1, k2,k3',
      SILICONFLOW_API_KEYS: 'k3,k4',
    }).providers
    expect(rest).toEqual([])
    expect(entry).toMatchObject({ type: 'siliconflow', keys: ['k1', 'k2', 'k3', 'k4'] })
  })

  it('merges CF_ACCOUNTS with Flux-API-Worker’s single account, without duplicates', () => {
    const [entry] = loadConfig({
      CF_ACCOUNT_ID: 'a',
      CF_API_TOKEN: 't',
      CF_ACCOUNTS: 'a:t,b:u',
    }).providers
    expect(entry!.keys).toEqual(['a:t', 'b:u'])
  })

  it('gives every Workers AI entry CF_API_BASE, FLUX_MODEL and FLUX_NUM_STEPS unless it sets its own', () => {
    const providers = JSON.stringify([
      { type: 'workers-ai', keys: ['a:t'] },
      {
        type: 'workers-ai',
        keys: ['b:u'],
        baseUrl: 'https://proxy.example/v4',
        options: { numSteps: 2 },
      },
      { type: 'demo' },
    ])
    const config = loadConfig({
      PROVIDERS: providers,
      CF_API_BASE: 'https://cf.example/v4/',
      FLUX_MODEL: '@cf/leonardo/phoenix-1.0',
      FLUX_NUM_STEPS: '6',
    })
    expect(config.providers.map(({ baseUrl, options }) => ({ baseUrl, options }))).toEqual([
      {
        baseUrl: 'https://cf.example/v4',
        options: { model: '@cf/leonardo/phoenix-1.0', numSteps: 6 },
      },
      {
        baseUrl: 'https://proxy.example/v4',
        options: { model: '@cf/leonardo/phoenix-1.0', numSteps: 2 },
      },
      { baseUrl: undefined, options: {} },
    ])
  })

  it('maps freefluxapi’s PROCESS_API_KEY and Flux-API-Worker’s optimizer names', () => {
    const config = loadConfig({
      PROMPT_OPTIMIZATION: 'true',
      EXTERNAL_API_BASE: 'https://llm.example/v1/',
      EXTERNAL_MODEL: 'gpt-4o-mini',
      EXTERNAL_API_KEY: 'ek',
      SYSTEM_MESSAGE: 'Rewrite it.',
      PROCESS_API_KEY: 'zk',
      PROCESS_MODEL: 'glm-4-plus',
    })
    expect(config.promptOptimization).toBe(true)
    expect(config.optimizer).toMatchObject({
      external: { baseUrl: 'https://llm.example/v1', model: 'gpt-4o-mini', apiKey: 'ek' },
      process: {
        baseUrl: 'https://open.bigmodel.cn/api/paas/v4',
        model: 'glm-4-plus',
        apiKey: 'zk',
      },
      systemMessage: 'Rewrite it.',
    })
  })
})
