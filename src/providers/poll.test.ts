import { afterEach, describe, expect, it, vi } from 'vitest'
import * as z from 'zod'
import { GatewayError } from '../errors.ts'
import { callJson, upstreamError } from './http.ts'
import {
  assertJobUrl,
  CANCEL_TIMEOUT_MS,
  cancelQuietly,
  nextInterval,
  pollIntervalOption,
  pollUntil,
  sleep,
} from './poll.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('sleep', () => {
  it('resolves after the time and leaves no timer behind', async () => {
    vi.useFakeTimers()
    let done = false
    const waiting = sleep(500, new AbortController().signal).then(() => {
      done = true
    })
    await vi.advanceTimersByTimeAsync(499)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await waiting
    expect(done).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects with the abort reason at once, mid-wait or already aborted, clearing its timer', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const waiting = sleep(10_000, controller.signal)
    controller.abort(new Error('gone'))
    await expect(waiting).rejects.toThrow('gone')
    expect(vi.getTimerCount()).toBe(0)
    await expect(sleep(10, controller.signal)).rejects.toThrow('gone')
  })
})

describe('poll intervals', () => {
  it('grow 1.5 times from the first up to 4 times it', () => {
    const waits = [500]
    for (let i = 0; i < 5; i++) waits.push(nextInterval(waits.at(-1)!, 500))
    expect(waits).toEqual([500, 750, 1125, 1688, 2000, 2000])
  })

  it('take options.pollIntervalMs from 1 to 10000 ms, 500 ms when absent, and nothing else', () => {
    expect(pollIntervalOption.parse(undefined)).toBe(500)
    expect(pollIntervalOption.parse(20)).toBe(20)
    for (const bad of [0, 10_001, 1.5, '40', 'soon']) {
      expect(pollIntervalOption.safeParse(bad).success).toBe(false)
    }
  })
})

describe('pollUntil', () => {
  it('waits before each check and returns the first value', async () => {
    vi.useFakeTimers()
    const times: number[] = []
    const start = Date.now()
    const check = vi.fn(async () => {
      times.push(Date.now() - start)
      return times.length === 3 ? 'ready' : undefined
    })
    const result = pollUntil(check, {
      provider: 'p',
      signal: new AbortController().signal,
      intervalMs: 100,
    })
    await vi.advanceTimersByTimeAsync(1_000)
    expect(await result).toBe('ready')
    expect(times).toEqual([100, 250, 475])
  })

  it('ends with a timeout failure on abort and checks no more', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const check = vi.fn(async () => undefined)
    const result = pollUntil(check, { provider: 'p', signal: controller.signal, intervalMs: 100 })
    const settled = result.catch((error: GatewayError) => error)
    await vi.advanceTimersByTimeAsync(260)
    controller.abort(new DOMException('late', 'TimeoutError'))
    const error = await settled
    expect(error).toBeInstanceOf(GatewayError)
    expect(error).toMatchObject({ status: 504, upstream: { failure: 'timeout', provider: 'p' } })
    await vi.advanceTimersByTimeAsync(5_000)
    expect(check).toHaveBeenCalledTimes(2)
  })
})

describe('assertJobUrl', () => {
  const ok = (url: string, base: string) => assertJobUrl('p', url, base).href
  const refused = (url: string, base: string) => () => assertJobUrl('p', url, base)

  it('accepts the base host, and https hosts in the base host parent domain', () => {
    expect(ok('https://queue.fal.run/fal-ai/flux/requests/1/status', 'https://queue.fal.run')).toBe(
      'https://queue.fal.run/fal-ai/flux/requests/1/status',
    )
    expect(ok('https://api.us1.bfl.ai/v1/get_result?id=1', 'https://api.bfl.ai')).toContain('us1')
    expect(ok('http://127.0.0.1:9/v1/predictions/1', 'http://127.0.0.1:8/v1')).toContain(
      '127.0.0.1',
    )
  })

  it('refuses other hosts, plain http siblings, and a two-label base vouching for a TLD', () => {
    expect(refused('https://evil.example/x', 'https://api.bfl.ai')).toThrow(
      /refused to send the key to a job URL: evil\.example is not the provider's host/,
    )
    expect(refused('http://api.us1.bfl.ai/x', 'https://api.bfl.ai')).toThrow(/plain http/)
    expect(refused('https://other.run/x', 'https://fal.run')).toThrow(/not the provider's host/)
    expect(refused('http://localhost:8/x', 'http://127.0.0.1:8')).toThrow(/private.*localhost/)
    expect(refused('not a url', 'https://api.bfl.ai')).toThrow(/not a valid URL/)
  })
})

describe('callJson', () => {
  const call = (response: Response) =>
    callJson(
      { provider: 'p', fetch: async () => response, signal: new AbortController().signal },
      'https://x.test/',
      { method: 'GET', headers: {} },
      z.object({ id: z.string() }),
      (reply, text) => upstreamError('p', 'bad-request', `HTTP ${reply.status} ${text}`),
    )

  it('returns the parsed reply, maps errors, and treats an undocumented 200 as a server failure', async () => {
    await expect(call(Response.json({ id: 'a' }))).resolves.toEqual({ id: 'a' })
    await expect(call(new Response('nope', { status: 422 }))).rejects.toThrow('p: HTTP 422 nope')
    await expect(call(new Response('<html>', { status: 200 }))).rejects.toMatchObject({
      upstream: { failure: 'server' },
      message: 'p: the reply was not the documented JSON (HTTP 200)',
    })
  })
})

describe('cancelQuietly', () => {
  it('sends the call, and gives up silently after CANCEL_TIMEOUT_MS', async () => {
    vi.useFakeTimers()
    const seen: RequestInit[] = []
    const hanging: typeof fetch = (_url, init) => {
      seen.push(init!)
      return new Promise((_resolve, reject) =>
        init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason)),
      )
    }
    let finished = false
    const cancel = cancelQuietly(hanging, 'https://x.test/cancel', { method: 'PUT', headers: {} })
    void cancel.then(() => {
      finished = true
    })
    await vi.advanceTimersByTimeAsync(CANCEL_TIMEOUT_MS - 1)
    expect(finished).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(finished).toBe(true)
    expect(seen[0]).toMatchObject({ method: 'PUT' })
    await expect(
      cancelQuietly(
        async () => {
          throw new TypeError('fetch failed')
        },
        'https://x.test/',
        { method: 'POST', headers: {} },
      ),
    ).resolves.toBeUndefined()
  })
})
