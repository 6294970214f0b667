import { describe, expect, it } from 'vitest'
import { type Config, loadConfig } from './config.ts'

describe('loadConfig defaults', () => {
  const config = loadConfig({})
  it.each<[string, unknown, (config: Config) => unknown]>([
    ['API_KEY, API_KEYS', [], (c) => c.clientKeys],
    ['DIRECT_API_ACCESS', 'public', (c) => c.directApiAccess],
    ['RATE_LIMIT', { limit: 5, windowSeconds: 120 }, (c) => c.rateLimit],
    ['CORS_ORIGINS', ['*'], (c) => c.corsOrigins],
    ['CF_API_BASE', 'https://api.cloudflare.com/client/v4', (c) => c.workersAi.apiBase],
    ['FLUX_MODEL', '@cf/black-forest-labs/flux-1-schnell', (c) => c.workersAi.model],
    ['FLUX_NUM_STEPS', 4, (c) => c.workersAi.numSteps],
    ['PROVIDERS', [], (c) => c.providers],
    ['DEFAULT_MODEL', undefined, (c) => c.defaultModel],
    ['PROMPT_OPTIMIZATION', false, (c) => c.promptOptimization],
    ['EXTERNAL_API_BASE', undefined, (c) => c.optimizer.external],
    ['SYSTEM_MESSAGE', undefined, (c) => c.optimizer.systemMessage],
    ['PROCESS_API_KEY', undefined, (c) => c.optimizer.process],
    ['TRANSLATE_PROMPTS', true, (c) => c.translatePrompts],
    ['IMAGE_EXPIRATION', 1800, (c) => c.imageExpirationSeconds],
    ['REQUEST_TIMEOUT', 90_000, (c) => c.requestTimeoutMs],
    ['UPSTREAM_TIMEOUT', 60_000, (c) => c.upstreamTimeoutMs],
    ['REPLY_LANGUAGE', 'en', (c) => c.replyLanguage],
    ['CHAT_IMAGE_FORMAT', 'url', (c) => c.chatImageFormat],
    ['MAX_BODY_BYTES', 1_048_576, (c) => c.maxBodyBytes],
    [
      'STORAGE, DATA_DIR, REDIS_URL, MEMORY_STORE_MAX_BYTES',
      { kind: 'fs', dataDir: './data', redisUrl: undefined, memoryMaxBytes: 256 * 1_048_576 },
      (c) => c.storage,
    ],
    ['PORT', 8787, (c) => c.port],
    ['HOST', '127.0.0.1', (c) => c.host],
    ['MAX_CONNECTIONS', 1024, (c) => c.maxConnections],
    ['PUBLIC_URL', undefined, (c) => c.publicUrl],
    ['TRUST_PROXY', false, (c) => c.trustProxy],
    ['LOG_PROMPTS', false, (c) => c.logPrompts],
  ])('%s defaults to %j', (_name, expected, read) => {
    expect(read(config)).toEqual(expected)
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

describe('loadConfig reading values', () => {
  it('turns DIRECT_API_ACCESS to key once a client key exists, unless set', () => {
    expect(loadConfig({}).directApiAccess).toBe('public')
    expect(loadConfig({ API_KEY: 'k' }).directApiAccess).toBe('key')
    expect(loadConfig({ API_KEYS: 'a,b' }).directApiAccess).toBe('key')
    expect(loadConfig({ API_KEY: 'k', DIRECT_API_ACCESS: 'public' }).directApiAccess).toBe('public')
    expect(loadConfig({ DIRECT_API_ACCESS: 'key' }).directApiAccess).toBe('key')
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
