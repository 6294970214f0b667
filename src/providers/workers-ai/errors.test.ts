import { describe, expect, it } from 'vitest'
import { bindingError, codeInMessage, secondsUntilUtcMidnight, workersAiError } from './errors.ts'

const now = Date.UTC(2026, 4, 10, 21, 30, 0) // 21:30 UTC: 2.5 h before the reset
const rest = (status: number, code: number, message: string) =>
  workersAiError('workers-ai', [{ code, message }], { status, now, secrets: ['acc123', 'tok456'] })

describe('workers-ai errors', () => {
  it('maps 3036 to rate-limited until the next 00:00 UTC', () => {
    const error = rest(429, 3036, 'AiError: 3036: You have used up your daily free allocation')
    expect(error.upstream?.failure).toBe('rate-limited')
    expect(error.retryAfter).toBe(2.5 * 3600)
    expect(error.message).toContain('00:00 UTC')
    expect(secondsUntilUtcMidnight(Date.UTC(2026, 0, 1, 23, 59, 59, 500))).toBe(1)
  })

  it('maps 3040 to rate-limited with the short pool backoff, or the Retry-After given', () => {
    const error = rest(429, 3040, 'AiError: 3040: Capacity temporarily exceeded')
    expect(error.upstream?.failure).toBe('rate-limited')
    expect(error.retryAfter).toBeUndefined()
    const withHeader = workersAiError('w', [{ code: 3040, message: 'busy' }], {
      status: 429,
      retryAfter: 7,
      now,
      secrets: [],
    })
    expect(withHeader.retryAfter).toBe(7)
  })

  it('maps the NSFW refusal (3030, 8007 or only the text) to refused, never retried', () => {
    for (const error of [
      rest(400, 3030, 'AiError: Input prompt contains NSFW content.'),
      rest(200, 8007, 'Input prompt contains NSFW content'),
      workersAiError('w', [{ message: 'Input prompt contains NSFW content' }], {
        now,
        secrets: [],
      }),
    ]) {
      expect(error.upstream?.failure).toBe('refused')
      expect(error.code).toBe('content_policy_violation')
      expect(error.retryable).toBe(false)
    }
  })

  it('maps 401/403 and the account codes to unauthorized', () => {
    expect(rest(401, 10000, 'Authentication error').upstream?.failure).toBe('unauthorized')
    for (const code of [3023, 5018, 3041, 5035]) {
      expect(rest(403, code, 'no').upstream?.failure).toBe('unauthorized')
    }
    const plain = workersAiError('w', [], { status: 403, now, secrets: [] })
    expect(plain.upstream?.failure).toBe('unauthorized')
  })

  it('maps 3007/3008 timeouts, 5xx and success:false with an unknown code to server', () => {
    expect(rest(408, 3007, 'AiError: 3007: Request timeout').upstream?.failure).toBe('server')
    expect(rest(408, 3008, 'aborted').upstream?.failure).toBe('server')
    expect(rest(500, 3043, 'Internal server error').upstream?.failure).toBe('server')
    expect(rest(200, 3999, 'Something went wrong').upstream?.failure).toBe('server')
  })

  it('keeps the account id and token out of messages', () => {
    const error = rest(400, 7003, 'Could not route to /accounts/acc123/ai/run, token tok456')
    expect(error.message).not.toContain('acc123')
    expect(error.message).not.toContain('tok456')
    expect(error.upstream?.failure).toBe('unauthorized')
  })
})

describe('binding errors', () => {
  it('reads the code from every message shape the binding throws', () => {
    expect(codeInMessage('3036: You have used up your daily free allocation')).toBe(3036)
    expect(codeInMessage('AiError: 3036: daily')).toBe(3036)
    expect(codeInMessage('AiError: 3036 Account limited')).toBe(3036)
    expect(codeInMessage('InferenceUpstreamError [AiError]: 3010: Invalid input')).toBe(3010)
    expect(codeInMessage('AiError: Input prompt contains NSFW content (code 3030)')).toBe(3030)
    expect(codeInMessage('5028: model deprecated 3036')).toBe(5028)
    expect(codeInMessage('boom')).toBeUndefined()
  })

  it('maps thrown errors through the same table', () => {
    const quota = bindingError('b', new Error('AiError: 3036: daily free allocation'), { now })
    expect(quota.upstream?.failure).toBe('rate-limited')
    expect(quota.retryAfter).toBe(2.5 * 3600)
    const capacity = bindingError('b', new Error('InferenceUpstreamError: 3040: Capacity'), { now })
    expect(capacity.upstream?.failure).toBe('rate-limited')
    const nsfw = bindingError('b', new Error('AiError: Input prompt contains NSFW content'), {
      now,
    })
    expect(nsfw.upstream?.failure).toBe('refused')
    const paid = bindingError('b', new Error('AiError: 5035: needs Workers Paid'), { now })
    expect(paid.upstream?.failure).toBe('unauthorized')
    const odd = bindingError('b', 'something odd', { now })
    expect(odd.upstream?.failure).toBe('server')
    expect(odd.message).toBe('b: something odd')
  })
})
