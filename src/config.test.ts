import { describe, expect, it } from 'vitest'
import { type Config, ConfigError, loadConfig } from './config.ts'

/** The problems a bad environment produces (fails the test if it loads). */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).problems
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig defaults', () => {
  const config = loadConfig({})
  const pick: Record<string, (config: Config) => unknown> = {
    'API_KEY, API_KEYS': (c) => c.clientKeys,
    DIRECT_API_ACCESS: (c) => c.directApiAccess,
    RATE_LIMIT: (c) => c.rateLimit,
    CORS_ORIGINS: (c) => c.corsOrigins,
    CF_API_BASE: (c) => c.workersAi.apiBase,
    FLUX_MODEL: (c) => c.workersAi.model,
    FLUX_NUM_STEPS: (c) => c.workersAi.numSteps,
    PROVIDERS: (c) => c.providers,
    DEFAULT_MODEL: (c) => c.defaultModel,
    PROMPT_OPTIMIZATION: (c) => c.promptOptimization,
    EXTERNAL_API_BASE: (c) => c.optimizer.external,
    SYSTEM_MESSAGE: (c) => c.optimizer.systemMessage,
    PROCESS_API_KEY: (c) => c.optimizer.process,
    TRANSLATE_PROMPTS: (c) => c.translatePrompts,
    IMAGE_EXPIRATION: (c) => c.imageExpirationSeconds,
    REQUEST_TIMEOUT: (c) => c.requestTimeoutMs,
    UPSTREAM_TIMEOUT: (c) => c.upstreamTimeoutMs,
    REPLY_LANGUAGE: (c) => c.replyLanguage,
    CHAT_IMAGE_FORMAT: (c) => c.chatImageFormat,
    MAX_BODY_BYTES: (c) => c.maxBodyBytes,
    'STORAGE, DATA_DIR, REDIS_URL, MEMORY_STORE_MAX_BYTES': (c) => c.storage,
    PORT: (c) => c.port,
    HOST: (c) => c.host,
    MAX_CONNECTIONS: (c) => c.maxConnections,
    PUBLIC_URL: (c) => c.publicUrl,
    TRUST_PROXY: (c) => c.trustProxy,
    LOG_PROMPTS: (c) => c.logPrompts,
  }
  it.each([
    ['API_KEY, API_KEYS', []],
    ['DIRECT_API_ACCESS', 'public'],
    ['RATE_LIMIT', { limit: 5, windowSeconds: 120 }],
    ['CORS_ORIGINS', ['*']],
    ['CF_API_BASE', 'https://api.cloudflare.com/client/v4'],
    ['FLUX_MODEL', '@cf/black-forest-labs/flux-1-schnell'],
    ['FLUX_NUM_STEPS', 4],
    ['PROVIDERS', []],
    ['DEFAULT_MODEL', undefined],
    ['PROMPT_OPTIMIZATION', false],
    ['EXTERNAL_API_BASE', undefined],
    ['SYSTEM_MESSAGE', undefined],
    ['PROCESS_API_KEY', undefined],
    ['TRANSLATE_PROMPTS', true],
    ['IMAGE_EXPIRATION', 1800],
    ['REQUEST_TIMEOUT', 90_000],
    ['UPSTREAM_TIMEOUT', 60_000],
    ['REPLY_LANGUAGE', 'en'],
    ['CHAT_IMAGE_FORMAT', 'url'],
    ['MAX_BODY_BYTES', 1_048_576],
    [
      'STORAGE, DATA_DIR, REDIS_URL, MEMORY_STORE_MAX_BYTES',
      { kind: 'fs', dataDir: './data', redisUrl: undefined, memoryMaxBytes: 256 * 1_048_576 },
    ],
    ['PORT', 8787],
    ['HOST', '127.0.0.1'],
    ['MAX_CONNECTIONS', 1024],
    ['PUBLIC_URL', undefined],
    ['TRUST_PROXY', false],
    ['LOG_PROMPTS', false],
  ])('%s defaults to %j', (name, expected) => {
    expect(pick[name]!(config)).toEqual(expected)
  })

  it('defaults the LLM endpoints that apply once a key is given', () => {
    const process = loadConfig({ PROCESS_API_KEY: 'zk' }).optimizer.process
    expect(process).toEqual({
      baseUrl: 'https://open.bigmodel.cn/api/paas/v4',
      model: 'glm-4-flash',
      apiKey: 'zk',
    })
    expect(config.optimizer.workersAiModel).toMatch(/^@cf\//)
    const [siliconflow] = loadConfig({ IMAGE_API_KEYS: 'k' }).providers
    expect(siliconflow).toMatchObject({
      baseUrl: 'https://api.siliconflow.cn/v1',
      models: ['black-forest-labs/FLUX.1-schnell'],
    })
  })
})

describe('IMAGE_EXPIRATION under a minute', () => {
  it('is accepted: Workers KV stretches its own copy to 60 s, the gateway still expires on time', () => {
    expect(loadConfig({ IMAGE_EXPIRATION: '30' }).imageExpirationSeconds).toBe(30)
  })
})

describe('loadConfig with bad values', () => {
  it('names every bad variable in one error, each with what it expected', () => {
    const found = problems({
      PORT: 'abc',
      RATE_LIMIT: 'fast',
      IMAGE_EXPIRATION: '0',
      PROVIDERS: '[{"type":"nope"}]',
      TRUST_PROXY: 'maybe',
      STORAGE: 'disk',
      CHAT_IMAGE_FORMAT: 'png',
      PUBLIC_URL: 'ftp://example.com',
      REPLY_LANGUAGE: 'klingon',
      CF_ACCOUNTS: 'no-colon',
      DIRECT_API_ACCESS: 'everyone',
      MAX_BODY_BYTES: '1.5',
      MAX_CONNECTIONS: '0',
    })
    const named = found.map((problem) => problem.split(':')[0])
    expect(new Set(named)).toEqual(
      new Set([
        'PORT',
        'RATE_LIMIT',
        'IMAGE_EXPIRATION',
        'PROVIDERS',
        'TRUST_PROXY',
        'STORAGE',
        'CHAT_IMAGE_FORMAT',
        'PUBLIC_URL',
        'REPLY_LANGUAGE',
        'CF_ACCOUNTS',
        'DIRECT_API_ACCESS',
        'MAX_BODY_BYTES',
        'MAX_CONNECTIONS',
      ]),
    )
    for (const problem of found) expect(problem).toMatch(/expected|must be one of/i)
    expect(found.find((p) => p.startsWith('PORT'))).toContain('0 to 65535')
    expect(found.find((p) => p.startsWith('IMAGE_EXPIRATION'))).toContain('1 to')
    expect(found.find((p) => p.startsWith('PROVIDERS'))).toContain('demo')
  })

  it('puts every problem in the one message that start-up prints', () => {
    try {
      loadConfig({ PORT: 'abc', PROVIDERS: 'not json', RATE_LIMIT: '5 per minute' })
      expect.unreachable()
    } catch (error) {
      const message = (error as Error).message
      expect(message).toMatch(/^Invalid configuration:/)
      for (const name of ['PORT', 'PROVIDERS', 'RATE_LIMIT'])
        expect(message).toContain(`- ${name}:`)
      expect(message).toContain('JSON array')
    }
  })

  it('reports variables that only make sense together alongside the other problems', () => {
    const found = problems({
      PORT: 'abc',
      STORAGE: 'redis',
      CF_ACCOUNT_ID: 'acct',
      EXTERNAL_API_BASE: 'https://llm.example/v1',
    })
    expect(found.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'CF_API_TOKEN',
      'EXTERNAL_MODEL',
      'PORT',
      'REDIS_URL',
    ])
    expect(problems({ CF_API_TOKEN: 't' })[0]).toMatch(/^CF_ACCOUNT_ID: required/)
    expect(problems({ UPSTREAM_TIMEOUT: '100' })[0]).toMatch(/^UPSTREAM_TIMEOUT: must not exceed/)
  })

  it('checks PROVIDERS entries field by field', () => {
    expect(problems({ PROVIDERS: '{"type":"demo"}' })[0]).toMatch(/^PROVIDERS:/)
    const [problem] = problems({ PROVIDERS: '[{"type":"demo","weight":-1}]' })
    expect(problem).toMatch(/^PROVIDERS: entry 0\.weight/)
  })

  it('never puts a key into a message', () => {
    const found = problems({ API_KEY: 'sk-secret-123', PORT: 'abc', CF_ACCOUNTS: 'sk-secret-456' })
    expect(found.join('\n')).not.toContain('sk-secret')
  })
})

describe('loadConfig reading values', () => {
  it('turns DIRECT_API_ACCESS to key once a client key exists, unless set', () => {
    expect(loadConfig({}).directApiAccess).toBe('public')
    expect(loadConfig({ API_KEY: 'k' }).directApiAccess).toBe('key')
    expect(loadConfig({ API_KEYS: 'a,b' }).directApiAccess).toBe('key')
    expect(loadConfig({ API_KEY: 'k', DIRECT_API_ACCESS: 'public' }).directApiAccess).toBe('public')
    expect(loadConfig({ DIRECT_API_ACCESS: 'key' }).directApiAccess).toBe('key')
  })

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

  it('merges API_KEY and API_KEYS, trimming and dropping empties', () => {
    expect(loadConfig({ API_KEY: ' a ', API_KEYS: 'b,,a, c' }).clientKeys).toEqual(['a', 'b', 'c'])
  })

  it.each([
    ['0', null],
    ['off', null],
    ['10/60s', { limit: 10, windowSeconds: 60 }],
    ['10/2m', { limit: 10, windowSeconds: 120 }],
    ['100 / 1h', { limit: 100, windowSeconds: 3600 }],
    ['7/30', { limit: 7, windowSeconds: 30 }],
  ])('reads RATE_LIMIT=%s', (value, expected) => {
    expect(loadConfig({ RATE_LIMIT: value }).rateLimit).toEqual(expected)
  })

  it('reads flags, lists, URLs and languages the way people write them', () => {
    const config = loadConfig({
      LOG_PROMPTS: 'TRUE',
      TRUST_PROXY: '1',
      TRANSLATE_PROMPTS: 'no',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      PUBLIC_URL: 'https://img.example.com/',
      REPLY_LANGUAGE: 'zh-cn',
      PORT: ' 9000 ',
    })
    expect(config.logPrompts).toBe(true)
    expect(config.trustProxy).toBe(true)
    expect(config.translatePrompts).toBe(false)
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example'])
    expect(config.publicUrl).toBe('https://img.example.com')
    expect(config.replyLanguage).toBe('zh-CN')
    expect(config.port).toBe(9000)
    expect(loadConfig({ REPLY_LANGUAGE: 'zh-Hant' }).replyLanguage).toBe('zh-TW')
  })

  it('reads PROVIDERS entries with their defaults and strips trailing slashes', () => {
    const [entry] = loadConfig({
      PROVIDERS: '[{"type":"demo","baseUrl":"http://127.0.0.1:9/","options":{"delayMs":5}}]',
    }).providers
    expect(entry).toEqual({
      type: 'demo',
      keys: [],
      baseUrl: 'http://127.0.0.1:9',
      priority: 0,
      weight: 1,
      options: { delayMs: 5 },
    })
  })

  it('ignores bindings and other non-string values (Workers env)', () => {
    const config = loadConfig({ IMAGES: { get() {} }, AI: {}, IMAGE_EXPIRATION: '120' })
    expect(config.imageExpirationSeconds).toBe(120)
  })
})
