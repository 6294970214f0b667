import { describe, expect, it } from 'vitest'
import { parseChatBody } from './chat.ts'
import { MAX_MODEL_CHARS } from './fields.ts'
import { rejection } from './testing.ts'

describe('parseChatBody', () => {
  it('accepts and ignores the extra fields and nulls clients send', () => {
    const request = parseChatBody({
      model: 'flux-dev',
      messages: [{ role: 'user', content: 'a cat', name: null }],
      temperature: 0.5,
      top_p: null,
      n: 1,
      tools: [{ type: 'function' }],
      tool_choice: null,
      stop: null,
      logit_bias: {},
      seed: -1,
      user: 'someone',
      stream: null,
      stream_options: null,
      modalities: null,
      image_config: null,
    })
    expect(request).toEqual({
      messages: [{ role: 'user', content: 'a cat', name: null }],
      model: 'flux-dev',
      stream: false,
      includeUsage: false,
      seed: undefined,
      imagesOut: false,
      ratioSize: undefined,
    })
  })

  it('reads the seed as every door does, and refuses one out of range, naming it', () => {
    expect(parseChatBody({ messages: [], seed: 42 }).seed).toBe(42)
    expect(parseChatBody({ messages: [], seed: '7' }).seed).toBe(7)
    expect(parseChatBody({ messages: [], seed: null }).seed).toBeUndefined()
    for (const seed of [2 ** 31, 1.5, 'soon']) {
      expect(rejection(() => parseChatBody({ messages: [], seed }))).toMatchObject({
        status: 400,
        param: 'seed',
        message: 'seed must be -1 (random) or a whole number from 0 to 2147483647.',
      })
    }
  })

  it("reads OpenRouter's modalities and image_config.aspect_ratio", () => {
    const request = parseChatBody({
      messages: [],
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: '16:9', image_size: '1K' },
    })
    expect(request).toMatchObject({ imagesOut: true, ratioSize: { width: 1024, height: 576 } })
    expect(parseChatBody({ messages: [], modalities: ['text'] }).imagesOut).toBe(false)
    expect(
      parseChatBody({ messages: [], image_config: { aspect_ratio: '21:9' } }).ratioSize,
    ).toEqual({ width: 1536, height: 640 })
  })

  it('refuses a modality or an aspect ratio it cannot give, naming the field', () => {
    const cases = [
      [{ modalities: ['video'] }, 'modalities.0', 'modalities.0 must be "text" or "image".'],
      [
        { modalities: 'image' },
        'modalities',
        'modalities must be an array such as ["image", "text"].',
      ],
      [
        { image_config: { aspect_ratio: '16/9' } },
        'image_config.aspect_ratio',
        'image_config.aspect_ratio must be a ratio such as "16:9", each side from 1 to 32.',
      ],
      [
        { image_config: { aspect_ratio: 169 } },
        'image_config.aspect_ratio',
        'image_config.aspect_ratio must be a ratio such as "16:9", each side from 1 to 32.',
      ],
      [{ image_config: { aspect_ratio: '64:1' } }, 'image_config.aspect_ratio', undefined],
    ] as const
    for (const [fields, param, message] of cases) {
      const error = rejection(() => parseChatBody({ messages: [], ...fields }))
      expect(error).toMatchObject({ status: 400, code: 'invalid_request', param })
      if (message) expect(error.message).toBe(message)
    }
  })

  it('reads stream and stream_options.include_usage', () => {
    const request = parseChatBody({
      messages: [],
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(request.stream).toBe(true)
    expect(request.includeUsage).toBe(true)
  })

  it('treats a non-string or empty model as absent', () => {
    expect(parseChatBody({ messages: [], model: 42 }).model).toBeUndefined()
    expect(parseChatBody({ messages: [], model: '' }).model).toBeUndefined()
    expect(parseChatBody({ messages: [], model: 'm'.repeat(MAX_MODEL_CHARS + 1) }).model).toBe(
      undefined,
    )
  })

  it('rejects messages that are missing or not an array, naming the field', () => {
    for (const body of [{}, { messages: 'a cat' }, { messages: { role: 'user' } }]) {
      const error = rejection(() => parseChatBody(body))
      expect(error.status).toBe(400)
      expect(error.param).toBe('messages')
      expect(error.message).toBe('messages must be an array of {role, content} objects.')
    }
  })

  it('rejects a message without a role or with content of the wrong type', () => {
    expect(rejection(() => parseChatBody({ messages: [{ content: 'x' }] })).param).toBe(
      'messages.0.role',
    )
    const content = rejection(() => parseChatBody({ messages: [{ role: 'user', content: 5 }] }))
    expect(content).toMatchObject({ status: 400, param: 'messages.0.content' })
    expect(content.message).toBe(
      'messages.0.content must be a string, an array of content parts, or null.',
    )
  })
})
