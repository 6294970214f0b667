import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.ts'

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
      MAX_UPSTREAM_BYTES: '10',
      MEMORY_STORE_MAX_BYTES: 'lots',
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
        'MAX_UPSTREAM_BYTES',
        'MEMORY_STORE_MAX_BYTES',
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
