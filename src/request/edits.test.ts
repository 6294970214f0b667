import { describe, expect, it } from 'vitest'
import { parseEditsBody, parseVariationsBody, VARIATION_PROMPT } from './edits.ts'
import { MAX_INPUT_IMAGES } from './fields.ts'
import { rejection } from './testing.ts'
import { parseUploadBody } from './uploads.ts'

const file = { bytes: new Uint8Array([1, 2, 3]), filename: 'cat.png' }
const KEY = 'AbCdEfGhIjKlMnOpQrStUv'

describe('parseEditsBody', () => {
  it('reads a form: files, digits for numbers, and the Images API fields', () => {
    const call = parseEditsBody({
      prompt: ' make it blue ',
      image: [file, file],
      mask: file,
      n: '2',
      size: '512x768',
      response_format: 'b64_json',
      quality: 'high',
      input_fidelity: 'high',
      user: 'u-1',
      // What OpenAI's SDK writes into a form for `stream: true, partial_images: 2, ...`.
      stream: 'true',
      partial_images: '2',
      output_format: 'png',
      output_compression: '80',
      background: 'opaque',
      moderation: 'low',
    })
    expect(call).toEqual({
      image: {
        prompt: 'make it blue',
        n: 2,
        width: 512,
        height: 768,
        images: [file, file],
        mask: file,
        quality: 'high',
        outputFormat: 'png',
        background: 'opaque',
      },
      optimize: false,
      responseFormat: 'b64_json',
      stream: true,
    })
  })

  it('reads every JSON form of an image: links, data URIs, {image_url}, {file_id}', () => {
    const { image } = parseEditsBody({
      prompt: 'x',
      image: 'https://images.example/a.png',
      images: [
        { image_url: 'data:image/png;base64,AAAA' },
        { image_url: { url: 'https://images.example/b.png' } },
        { file_id: KEY },
      ],
      mask: null,
    })
    expect(image.images).toEqual([
      { url: 'https://images.example/a.png' },
      { url: 'data:image/png;base64,AAAA' },
      { url: 'https://images.example/b.png' },
      { url: `/image/${KEY}` },
    ])
    expect(image.mask).toBeUndefined()
  })

  it('refuses an edit without an image, whichever way it is missing', () => {
    for (const body of [
      { prompt: 'x' },
      { prompt: 'x', image: [] },
      { prompt: 'x', image: null },
    ]) {
      const error = rejection(() => parseEditsBody(body))
      expect([error.status, error.code, error.param]).toEqual([400, 'image_required', 'image'])
      expect(error.retryable).toBe(false)
    }
  })

  it('names a bad image as a person counts, and refuses ids that are no upload', () => {
    const second = rejection(() => parseEditsBody({ prompt: 'x', image: ['https://a/b', 7] }))
    expect(second.param).toBe('image')
    expect(second.message).toMatch(/^image 2 must be an image file, an image URL or data: URI/)
    const id = rejection(() => parseEditsBody({ prompt: 'x', images: [{ file_id: '../etc' }] }))
    expect(id.message).toMatch(/^images 1 must be/)
    const mask = rejection(() => parseEditsBody({ prompt: 'x', image: file, mask: 3 }))
    expect(mask.param).toBe('mask')
  })

  it(`refuses more than ${MAX_INPUT_IMAGES} images, and numbers that are not whole`, () => {
    const many = rejection(() =>
      parseEditsBody({ prompt: 'x', image: Array(MAX_INPUT_IMAGES + 1).fill(file) }),
    )
    expect([many.code, many.param]).toEqual(['too_many_images', 'image'])
    expect(many.message).toBe('At most 16 input images are taken; got 17.')
    for (const n of ['2.0', ' 2', '0x2', '5']) {
      const error = rejection(() => parseEditsBody({ prompt: 'x', image: file, n }))
      expect([error.param, error.message]).toEqual(['n', 'n must be a whole number from 1 to 4.'])
    }
  })

  it('keeps the prompt rules of every door', () => {
    expect(rejection(() => parseEditsBody({ image: file })).message).toBe('prompt is required.')
    expect(rejection(() => parseEditsBody({ prompt: ' ', image: file })).code).toBe(
      'invalid_prompt',
    )
  })
})

describe('parseVariationsBody', () => {
  it('makes one image an edit with the variation instruction', () => {
    const call = parseVariationsBody({ image: file, n: '3', size: 'auto', seed: '9' })
    expect(call.image).toEqual({ prompt: VARIATION_PROMPT, n: 3, seed: 9, images: [file] })
  })

  it('takes exactly one image', () => {
    expect(rejection(() => parseVariationsBody({ n: 1 })).code).toBe('image_required')
    const two = rejection(() => parseVariationsBody({ image: [file, file] }))
    expect([two.param, two.code]).toEqual(['image', 'invalid_request'])
  })
})

describe('parseUploadBody', () => {
  it('takes a file part, a data URI or bare base64 (read later by the one decoder)', () => {
    expect(parseUploadBody({ file })).toEqual(file)
    expect(parseUploadBody({ file: 'data:image/png;base64,iVBO' })).toEqual({
      url: 'data:image/png;base64,iVBO',
    })
    expect(parseUploadBody({ file: ' iVBO\nRw0K== ' })).toEqual({
      url: 'data:;base64,iVBO\nRw0K==',
    })
  })

  it('refuses links and anything else, naming `file`', () => {
    for (const body of [{ file: 'https://images.example/a.png' }, { file: 3 }, {}]) {
      const error = rejection(() => parseUploadBody(body))
      expect([error.status, error.param]).toEqual([400, 'file'])
    }
    expect(rejection(() => parseUploadBody({})).message).toBe('file is required.')
  })
})
