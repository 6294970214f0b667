import { describe, expect, it } from 'vitest'
import { resolveModels } from '../models.ts'
import { siliconflowError } from './errors.ts'
import { requestBody } from './index.ts'
import { GENERIC_CAPABILITIES, genericModel, SILICONFLOW_MODELS } from './models.ts'

const models = (ids: string[] | undefined) => resolveModels(SILICONFLOW_MODELS, ids, genericModel)

const [schnell, , kolors] = SILICONFLOW_MODELS

describe('resolveModels', () => {
  it('serves the whole catalogue when no model is configured', () => {
    expect(models(undefined).map((model) => model.publicIds[0])).toEqual([
      'flux-schnell',
      'flux-dev',
      'kolors',
      'qwen-image',
      'qwen-image-edit',
      'qwen-image-edit-2509',
    ])
  })

  it('matches ids case-insensitively and by public id, sending the canonical id', () => {
    expect(models(['BLACK-FOREST-LABS/flux.1-dev', 'kolors']).map((m) => m.id)).toEqual([
      'black-forest-labs/FLUX.1-dev',
      'Kwai-Kolors/Kolors',
    ])
  })

  it('keeps an unknown id as written, with generic capabilities and no public alias', () => {
    expect(models(['Vendor/New-Model', 'flux-schnell', 'flux-1-schnell'])).toEqual([
      { id: 'Vendor/New-Model', publicIds: [], capabilities: GENERIC_CAPABILITIES },
      schnell,
    ])
  })
})

describe('requestBody', () => {
  it('sends an edit its images as data URIs named image, image2, image3, and no size', () => {
    const edit = models(['qwen-image-edit-2509'])[0]!
    expect(edit.capabilities.input).toEqual({ maxImages: 3, mask: false, editOnly: true })
    expect(models(['qwen-image-edit'])[0]!.capabilities.input?.maxImages).toBe(1)
    const image = (contentType: 'image/png' | 'image/webp', byte: number) => ({
      bytes: new Uint8Array([byte, byte]),
      contentType,
      width: 1,
      height: 1,
    })
    const images = [image('image/png', 1), image('image/webp', 2)]
    expect(requestBody(edit, { prompt: 'p', n: 1, images })).toEqual({
      model: 'Qwen/Qwen-Image-Edit-2509',
      prompt: 'p',
      image: 'data:image/png;base64,AQE=',
      image2: 'data:image/webp;base64,AgI=',
    })
  })

  it('writes image_size as WxH and only the fields the request holds', () => {
    expect(requestBody(schnell!, { prompt: 'p', n: 1, width: 768, height: 512, steps: 4 })).toEqual(
      {
        model: 'black-forest-labs/FLUX.1-schnell',
        prompt: 'p',
        image_size: '768x512',
        num_inference_steps: 4,
      },
    )
  })

  it('sends batch_size and negative_prompt to Kolors', () => {
    const body = requestBody(kolors!, { prompt: 'p', n: 3, seed: 0, negativePrompt: 'blur' })
    expect(body).toMatchObject({ batch_size: 3, seed: 0, negative_prompt: 'blur' })
  })
})

describe('siliconflowError', () => {
  const map = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    siliconflowError(
      'siliconflow',
      new Response(null, { status, headers }),
      typeof body === 'string' ? body : JSON.stringify(body),
      'sk-secret-key-123',
    )

  it.each([
    [400, { code: 20015, message: 'Value of image_size is invalid.' }, 'bad-request', 400],
    [400, { code: 20012, message: 'Model does not exist.' }, 'server', 502],
    [400, { code: 1, message: '您的提示词包含敏感内容' }, 'refused', 400],
    [401, { code: 20007, message: 'Invalid token' }, 'unauthorized', 502],
    [402, { code: 30001, message: 'insufficient balance' }, 'unauthorized', 502],
    [403, { code: 30011, message: 'verify' }, 'unauthorized', 502],
    [404, '404 page not found', 'server', 502],
    [429, { code: 50603, message: 'IPM limit reached' }, 'rate-limited', 503],
    [500, { code: 50000, message: 'Unknown error' }, 'server', 502],
    [503, '<html>Service Unavailable</html>', 'server', 502],
  ])('maps HTTP %i %j to %s', (status, body, failure, clientStatus) => {
    const error = map(status, body)
    expect(error.upstream).toEqual({ failure, provider: 'siliconflow', status })
    expect(error.status).toBe(clientStatus)
  })

  it('honours Retry-After on 429', () => {
    expect(map(429, { message: 'RPM limit' }, { 'retry-after': '17' }).retryAfter).toBe(17)
    expect(map(429, { message: 'RPM limit' }).retryAfter).toBeUndefined()
  })

  it('quotes the upstream message, scrubbed of the key, shortened, and never HTML', () => {
    expect(map(401, { message: 'bad key sk-secret-key-123 given' }).message).toBe(
      'siliconflow: the API key was rejected (HTTP 401): bad key *** given',
    )
    expect(map(500, { message: 'x'.repeat(500) }).message.length).toBeLessThan(260)
    expect(map(503, '<html><body>oops</body></html>').message).toBe(
      'siliconflow: overloaded (HTTP 503)',
    )
  })
})
