import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import { GatewayError } from '../errors.ts'
import type { RateLimiter } from '../limits/types.ts'
import { type AppDeps, type AppEnv, buildServices } from '../services.ts'
import { clientIp, isIpAddress, limiterKey, limitPublicGeneration } from './rate-limit.ts'

describe('limiterKey', () => {
  it('keeps IPv4 addresses and unwraps IPv4 mapped into IPv6', () => {
    expect(limiterKey('203.0.113.7')).toBe('203.0.113.7')
    expect(limiterKey('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(limiterKey(undefined)).toBe('unknown')
  })

  it('groups IPv6 addresses by their /64', () => {
    const key = limiterKey('2001:db8:aa:bb:1:2:3:4')
    expect(key).toBe('2001:db8:aa:bb::/64')
    expect(limiterKey('2001:0DB8:00aa:00bb:ffff::1')).toBe(key)
    expect(limiterKey('[2001:db8:aa:bb::9]')).toBe(key)
    expect(limiterKey('2001:db8:aa:bc::1')).not.toBe(key)
    expect(limiterKey('::1')).toBe('0:0:0:0::/64')
  })
})

/** A tiny app running only the guard, with the services the real app would set. */
function guarded(env: Record<string, string>, deps: Partial<AppDeps> = {}) {
  const services = buildServices({
    config: loadConfig(env),
    storage: null,
    clientAddress: () => '198.51.100.1',
    ...deps,
  })
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    c.set('services', services)
    await next()
  })
  app.get('/', async (c) => {
    await limitPublicGeneration(c)
    return c.text(`ok ${clientIp(c)}`)
  })
  app.onError((error, c) =>
    error instanceof GatewayError
      ? c.text(error.code, 429, { 'Retry-After': String(error.retryAfter) })
      : c.text('boom', 500),
  )
  return app
}

describe('isIpAddress', () => {
  it('accepts IPv4 and IPv6 literals and nothing else', () => {
    for (const ip of [
      '1.2.3.4',
      '::1',
      '2001:db8::1',
      '::ffff:1.2.3.4',
      '2001:db8:aa:bb:1:2:3:4',
    ]) {
      expect(isIpAddress(ip), ip).toBe(true)
    }
    const others = ['256.1.1.1', '01.2.3.4', '1.2.3', '0x7f.0.0.1', 'abc:def', '1:2:3:4:5:6:7:8:9']
    for (const text of [...others, 'unknown', 'evil.example', '[::1]', '1.2.3.4:80', '']) {
      expect(isIpAddress(text), text).toBe(false)
    }
  })
})

describe('limitPublicGeneration', () => {
  it('reads X-Forwarded-For only when TRUST_PROXY is on, and only the entry the proxy added', async () => {
    // A client sent "10.0.0.1" itself; the proxy appended the address it really saw.
    const headers = { 'X-Forwarded-For': '10.0.0.1, 203.0.113.9' }
    expect(await (await guarded({}).request('/', { headers })).text()).toBe('ok 198.51.100.1')
    const trusting = guarded({ TRUST_PROXY: 'true' })
    expect(await (await trusting.request('/', { headers })).text()).toBe('ok 203.0.113.9')
  })

  it('ignores a last X-Forwarded-For entry that is not an IP address', async () => {
    const trusting = guarded({ TRUST_PROXY: 'true', RATE_LIMIT: '0' })
    for (const last of ['unknown', 'evil.example', '256.1.1.1', 'abc:def', '1.2.3.4:80', '']) {
      const headers = { 'X-Forwarded-For': `203.0.113.9, ${last}` }
      expect(await (await trusting.request('/', { headers })).text(), last).toBe('ok 198.51.100.1')
    }
    const v6 = { 'X-Forwarded-For': '2001:db8:aa:bb::7' }
    expect(await (await trusting.request('/', { headers: v6 })).text()).toBe('ok 2001:db8:aa:bb::7')
  })

  it('counts IPv6 clients forwarded by the proxy per /64', async () => {
    const app = guarded({ TRUST_PROXY: 'true', RATE_LIMIT: '1/60s' })
    const from = (address: string) => ({ headers: { 'X-Forwarded-For': address } })
    expect((await app.request('/', from('2001:db8:aa:bb::1'))).status).toBe(200)
    expect((await app.request('/', from('2001:db8:aa:bb:ffff::2'))).status).toBe(429)
    expect((await app.request('/', from('2001:db8:aa:bc::1'))).status).toBe(200)
  })

  it('does not let a forged first X-Forwarded-For entry dodge the limit', async () => {
    const app = guarded({ TRUST_PROXY: 'true', RATE_LIMIT: '1/60s' })
    const from = (forged: string) => ({ headers: { 'X-Forwarded-For': `${forged}, 203.0.113.9` } })
    expect((await app.request('/', from('1.1.1.1'))).status).toBe(200)
    expect((await app.request('/', from('2.2.2.2'))).status).toBe(429)
  })

  it('uses RATE_LIMIT in memory and answers 429 with Retry-After past it', async () => {
    const app = guarded({ RATE_LIMIT: '2/30s' })
    expect((await app.request('/')).status).toBe(200)
    expect((await app.request('/')).status).toBe(200)
    const refused = await app.request('/')
    expect(refused.status).toBe(429)
    expect(await refused.text()).toBe('rate_limit_exceeded')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(28)
  })

  it('prefers the runtime limiter (the Workers binding) and passes it the address key', async () => {
    const keys: string[] = []
    const rateLimiter: RateLimiter = {
      async limit(key) {
        keys.push(key)
        return { success: false, retryAfterSeconds: 60 }
      },
    }
    const response = await guarded({}, { rateLimiter }).request('/')
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('60')
    expect(keys).toEqual(['198.51.100.1'])
  })

  it('lets requests through when the limiter itself fails, and logs it', async () => {
    const lines: unknown[] = []
    const rateLimiter: RateLimiter = {
      limit: () => Promise.reject(new Error('binding unavailable')),
    }
    const app = guarded({}, { rateLimiter, log: (line) => lines.push(line) })
    expect((await app.request('/')).status).toBe(200)
    expect(lines).toEqual([expect.objectContaining({ level: 'warn' })])
  })

  it('counts nothing when RATE_LIMIT=0', async () => {
    const app = guarded({ RATE_LIMIT: '0' })
    for (let i = 0; i < 20; i++) expect((await app.request('/')).status).toBe(200)
  })
})
