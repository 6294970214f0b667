import { describe, expect, it } from 'vitest'
import {
  type ErrorRules,
  errorFromReply,
  failureForStatus,
  quote,
  readErrorBody,
  retryAfterSeconds,
} from './upstream-errors.ts'

const map = (
  status: number,
  body: unknown,
  rules: ErrorRules = {},
  headers: Record<string, string> = {},
) =>
  errorFromReply(
    { provider: 'p', secrets: ['k-secret-1'] },
    new Response(null, { status, headers }),
    typeof body === 'string' ? body : JSON.stringify(body),
    rules,
  )

describe('the generic status table', () => {
  it.each([
    [400, 'bad-request', 400],
    [401, 'unauthorized', 502],
    [402, 'unauthorized', 502],
    [403, 'unauthorized', 502],
    [404, 'server', 502],
    [405, 'server', 502],
    [408, 'server', 502],
    [413, 'bad-request', 400],
    [422, 'bad-request', 400],
    [429, 'rate-limited', 503],
    [500, 'server', 502],
    [503, 'server', 502],
  ] as const)('HTTP %i is %s (client status %i)', (status, failure, clientStatus) => {
    expect(failureForStatus(status)).toBe(failure)
    const error = map(status, {})
    expect(error.upstream).toEqual({ failure, provider: 'p', status })
    expect(error.status).toBe(clientStatus)
  })

  it('says what happened, quotes the upstream, and notes that an empty account stays disabled', () => {
    expect(map(402, { message: 'no money' }).message).toBe(
      'p: out of credit (HTTP 402): no money; the key stays disabled until restart',
    )
    expect(map(503, '<html>busy</html>').message).toBe('p: overloaded (HTTP 503)')
  })

  it('reads Retry-After on a rate limit only, else the wait the provider finds in the body', () => {
    const rules: ErrorRules = { retryAfter: (reading) => (reading.message ? 30 : undefined) }
    expect(map(429, {}, {}, { 'retry-after': '7' }).retryAfter).toBe(7)
    expect(map(429, { detail: 'wait' }, rules).retryAfter).toBe(30)
    expect(map(429, {}, rules).retryAfter).toBeUndefined()
    expect(map(500, {}, {}, { 'retry-after': '7' }).retryAfter).toBeUndefined()
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'soon' }))).toBeUndefined()
    const date = new Date(Date.UTC(2026, 0, 1, 0, 1)).toUTCString()
    expect(retryAfterSeconds(new Headers({ 'retry-after': date }), Date.UTC(2026, 0, 1))).toBe(60)
  })
})

describe('provider rules', () => {
  const rules: ErrorRules = {
    special: (reading) =>
      reading.codes.includes('20012') ? { failure: 'server', what: 'no such model' } : undefined,
    statuses: { 401: { what: 'the token was rejected' } },
    refusal: { codes: ['content_policy_violation'], words: /\bnsfw\b|prohibited/i },
    notFound: 'check the model id',
  }

  it('refuses by code or wording on a 4xx, never on a 5xx', () => {
    expect(map(400, { message: 'NSFW prompt' }, rules).upstream?.failure).toBe('refused')
    const typed = { detail: [{ msg: 'no', type: 'content_policy_violation' }] }
    expect(map(422, typed, rules)).toMatchObject({
      status: 400,
      code: 'content_policy_violation',
      message: 'p: refused the prompt (HTTP 422): no',
    })
    expect(map(500, { message: 'NSFW checker crashed' }, rules).upstream?.failure).toBe('server')
  })

  it('decides credentials and rate limits by status, whatever the words', () => {
    expect(map(403, { message: 'access prohibited' }, rules).upstream?.failure).toBe('unauthorized')
    expect(map(429, { message: 'NSFW quota' }, rules).upstream?.failure).toBe('rate-limited')
  })

  it('checks its own codes first, uses its own words, and says what to check on a 404', () => {
    expect(map(400, { code: 20012, message: 'Model does not exist' }, rules).message).toBe(
      'p: no such model (HTTP 400): Model does not exist',
    )
    expect(map(401, {}, rules).message).toBe('p: the token was rejected (HTTP 401)')
    expect(map(404, 'Not Found', rules).message).toBe(
      'p: not found (HTTP 404): Not Found; check the model id',
    )
  })

  it('lets a provider refine the verdict and name the step that failed', () => {
    const refine: ErrorRules['refine'] = (verdict) => ({ ...verdict, failure: 'server' })
    const error = errorFromReply(
      { provider: 'p', secrets: [], doing: 'queueing' },
      new Response(null, { status: 400 }),
      'bad',
      { refine },
    )
    expect(error.upstream?.failure).toBe('server')
    expect(error.message).toBe('p: queueing: rejected the request (HTTP 400): bad')
  })
})

describe('readErrorBody', () => {
  it('reads every error shape upstreams send', () => {
    expect(readErrorBody('{"error":{"message":"m","code":"moderation_blocked"}}')).toEqual({
      message: 'm',
      codes: ['moderation_blocked'],
    })
    expect(readErrorBody('{"error":"plain"}')).toEqual({ message: 'plain', codes: [] })
    expect(readErrorBody('{"code":20012,"message":"gone"}')).toEqual({
      message: 'gone',
      codes: ['20012'],
    })
    expect(readErrorBody('{"title":"Unauthenticated"}').message).toBe('Unauthenticated')
    expect(readErrorBody('{"error":"OOM","detail":"","errors":"CUDA out of memory"}').message).toBe(
      'CUDA out of memory',
    )
    const list = [
      { loc: ['body', 'width'], msg: 'must be a multiple of 32', type: 'multiple_of' },
      { loc: ['body'], msg: 'flagged', type: 'content_policy_violation' },
    ]
    expect(readErrorBody(JSON.stringify({ detail: list }))).toEqual({
      message: 'width: must be a multiple of 32; flagged',
      codes: ['multiple_of', 'content_policy_violation'],
    })
  })

  it('quotes plain text but never HTML, and nothing from an empty object', () => {
    expect(readErrorBody('upstream busy').message).toBe('upstream busy')
    expect(readErrorBody('<html>502</html>').message).toBeUndefined()
    expect(readErrorBody('{}').message).toBeUndefined()
  })
})

describe('quote', () => {
  it('masks every secret and anything shaped like an API key, on one short line', () => {
    expect(quote('bad key\n k-secret-1 given', ['k-secret-1', null])).toBe('bad key *** given')
    expect(quote('Incorrect API key provided: sk-proj-abc***wxyz. See docs', [])).toBe(
      'Incorrect API key provided: ***. See docs',
    )
    expect(quote('x'.repeat(500), [])).toHaveLength(203)
    expect(quote('x'.repeat(500), [], 300)).toHaveLength(303)
  })

  it('never quotes a secret through a reply', () => {
    expect(map(401, { message: 'key k-secret-1 is wrong' }).message).not.toContain('k-secret-1')
  })
})
