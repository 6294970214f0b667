import { describe, expect, it } from 'vitest'
import { openaiStyleError } from './errors.ts'

const hints = { models: 'MODELS', baseUrl: 'BASE' }
const map = (status: number, body: unknown, key: string | null = 'sk-secret-key-123') =>
  openaiStyleError(
    'openai',
    new Response(null, { status, headers: status === 429 ? { 'retry-after': '7' } : {} }),
    typeof body === 'string' ? body : JSON.stringify(body),
    key,
    hints,
  )
const error = (message: string, code: string | null = null) => ({
  error: { message, type: 'invalid_request_error', param: null, code },
})

describe('openaiStyleError', () => {
  it.each([
    [400, error('Your request was rejected', 'moderation_blocked'), 'refused', 400],
    [400, error('Blocked', 'content_policy_violation'), 'refused', 400],
    [400, error('rejected as a result of our safety system.'), 'refused', 400],
    [400, { message: 'Prompt flagged as NSFW' }, 'refused', 400],
    [400, error("Unknown parameter: 'response_format'.", 'unknown_parameter'), 'bad-request', 400],
    [401, error('Incorrect API key provided', 'invalid_api_key'), 'unauthorized', 502],
    [402, { message: 'Insufficient credits' }, 'unauthorized', 502],
    [403, error('Organization must be verified'), 'unauthorized', 502],
    [429, error('Rate limit reached', 'rate_limit_exceeded'), 'rate-limited', 503],
    [429, error('You exceeded your current quota', 'insufficient_quota'), 'unauthorized', 502],
    [404, error('The model does not exist', 'model_not_found'), 'server', 502],
    [404, '404 page not found', 'server', 502],
    [500, { error: { code: 500, message: 'backend crashed', type: '' } }, 'server', 502],
    [503, { error: 'overloaded' }, 'server', 502],
    [502, '<html>Bad Gateway</html>', 'server', 502],
  ])('maps HTTP %i %j to %s', (status, body, failure, clientStatus) => {
    const mapped = map(status, body)
    expect(mapped.upstream).toEqual({ failure, provider: 'openai', status })
    expect(mapped.status).toBe(clientStatus)
  })

  it('honours Retry-After on a rate limit, and names the setting to check', () => {
    expect(map(429, error('slow down')).retryAfter).toBe(7)
    expect(map(404, error('x', 'model_not_found')).message).toMatch(/check MODELS/)
    expect(map(404, 'nope').message).toBe('openai: not found (HTTP 404): nope; check BASE')
  })

  it('says the server wants a key when none was sent', () => {
    expect(map(401, error('Unauthorized'), null).message).toMatch(/the server wants an API key/)
  })

  it('never quotes a key, whole or as a prefix, nor HTML', () => {
    expect(map(401, error('bad key sk-secret-key-123 given')).message).not.toMatch(/secret/)
    expect(map(502, '<html>Bad Gateway</html>').message).toBe('openai: server error (HTTP 502)')
    expect(map(500, error('x'.repeat(500))).message.length).toBeLessThan(260)
  })
})
