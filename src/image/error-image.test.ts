import { describe, expect, it } from 'vitest'
import { GatewayError } from '../errors.ts'
import {
  ERROR_IMAGE_HEIGHT,
  ERROR_IMAGE_WIDTH,
  errorImageResponse,
  errorImageText,
  renderErrorImage,
} from './error-image.ts'
import { sniffImage } from './sniff.ts'

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

describe('errorImageText', () => {
  it('says what failed and when to retry for a rate limit', () => {
    const error = new GatewayError(429, 'rate_limit_exceeded', 'Too many images.', {
      retryAfter: 39.2,
    })
    expect(errorImageText(error)).toEqual({
      title: '429 RATE LIMITED',
      detail: ['Too many images.'],
      hint: 'TRY AGAIN IN 40 S',
    })
  })

  it('wraps long messages to the picture and replaces characters the font lacks', () => {
    const text = errorImageText(
      new GatewayError(400, 'invalid_request', `画 ${'word '.repeat(200)}`),
    )
    expect(text.title).toBe('400 BAD REQUEST')
    expect(text.hint).toBe('FIX THE URL AND RELOAD')
    expect(text.detail.length).toBeLessThanOrEqual(6)
    expect(text.detail[0]!.startsWith('? word')).toBe(true)
    expect(text.detail.at(-1)!.endsWith('...')).toBe(true)
    for (const line of text.detail) expect(line.length).toBeLessThanOrEqual(40)
  })

  it('tells a 401 how to pass the key and falls back for unknown statuses', () => {
    expect(errorImageText(new GatewayError(401, 'invalid_api_key', 'x')).hint).toContain('?KEY=')
    expect(errorImageText(new GatewayError(418, 'teapot', 'x'))).toMatchObject({
      title: '418 ERROR',
      hint: 'TRY AGAIN LATER',
    })
  })
})

describe('renderErrorImage', () => {
  it('draws a decodable PNG of the documented size', async () => {
    const png = await renderErrorImage(new GatewayError(502, 'upstream_error', 'All failed.'))
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    expect(sniffImage(png)).toEqual({
      contentType: 'image/png',
      width: ERROR_IMAGE_WIDTH,
      height: ERROR_IMAGE_HEIGHT,
    })
    // Flat colours compress well: an error image stays small.
    expect(png.length).toBeLessThan(20_000)
  })

  it('draws different messages differently', async () => {
    const a = await renderErrorImage(new GatewayError(400, 'invalid_request', 'size is wrong'))
    const b = await renderErrorImage(new GatewayError(400, 'invalid_request', 'seed is wrong'))
    expect(a).not.toEqual(b)
  })
})

describe('errorImageResponse', () => {
  it('carries the true status, the code, Retry-After and no-store', async () => {
    const response = await errorImageResponse(
      new GatewayError(503, 'upstreams_cooling_down', 'Busy.', { retryAfter: 30 }),
    )
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toBe('image/png')
    expect(response.headers.get('x-error-code')).toBe('upstreams_cooling_down')
    expect(response.headers.get('retry-after')).toBe('30')
    expect(response.headers.get('cache-control')).toBe('no-store')
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect(response.headers.get('content-length')).toBe(String(bytes.length))
    expect(sniffImage(bytes)?.width).toBe(ERROR_IMAGE_WIDTH)
  })

  it('marks deterministic failures as not worth retrying', async () => {
    const response = await errorImageResponse(new GatewayError(400, 'invalid_request', 'Bad.'))
    expect(response.headers.get('x-should-retry')).toBe('false')
    expect(response.headers.get('retry-after')).toBeNull()
  })
})
