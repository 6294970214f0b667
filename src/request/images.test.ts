import { describe, expect, it } from 'vitest'
import { MAX_NEGATIVE_PROMPT_CHARS, MAX_PROMPT_CHARS, MAX_SEED } from './fields.ts'
import { parseImagesBody } from './images.ts'

describe('parseImagesBody', () => {
  it('reads OpenAI fields and defaults to both formats, one image, random seed', () => {
    expect(parseImagesBody({ prompt: ' a cat ', size: '1024x768', quality: 'hd' })).toEqual({
      image: {
        prompt: 'a cat',
        negativePrompt: undefined,
        width: 1024,
        height: 768,
        n: 1,
        steps: undefined,
        seed: undefined,
        model: undefined,
        outputFormat: undefined,
        quality: 'hd',
        background: undefined,
      },
      optimize: false,
      responseFormat: 'both',
      stream: false,
    })
  })

  it('reads the SiliconFlow / Cherry Studio aliases and -1 as a random seed', () => {
    const { image } = parseImagesBody({
      prompt: 'x',
      image_size: '768x1024',
      batch_size: 2,
      num_inference_steps: 8,
      seed: -1,
      negative_prompt: 'text',
      guidance_scale: 7.5,
    })
    expect(image).toMatchObject({ width: 768, height: 1024, n: 2, steps: 8, seed: undefined })
    expect(image.negativePrompt).toBe('text')
  })

  it('treats null fields as absent and accepts whole numbers written as digits', () => {
    const call = parseImagesBody({
      prompt: 'x',
      n: null,
      size: null,
      seed: '42',
      steps: '1',
      response_format: null,
    })
    expect(call).toMatchObject({ image: { n: 1, seed: 42, steps: 1 }, responseFormat: 'both' })
    expect(parseImagesBody({ prompt: 'x', seed: '-1' }).image.seed).toBeUndefined()
  })

  it('accepts "auto", the other size spellings and the playground optimization flag', () => {
    const call = parseImagesBody({ prompt: 'x', size: 'auto', optimization: true })
    expect(call.image.width).toBeUndefined()
    expect(call.optimize).toBe(true)
    expect(parseImagesBody({ prompt: 'x', size: ' 512 × 256 ' }).image).toMatchObject({
      width: 512,
      height: 256,
    })
  })

  it(`accepts seeds up to ${MAX_SEED} and refuses the next one, as a number or as digits`, () => {
    expect(parseImagesBody({ prompt: 'x', seed: MAX_SEED }).image.seed).toBe(MAX_SEED)
    expect(parseImagesBody({ prompt: 'x', seed: String(MAX_SEED) }).image.seed).toBe(MAX_SEED)
    for (const seed of [MAX_SEED + 1, 3_000_000_000, '3000000000', -2]) {
      expect(() => parseImagesBody({ prompt: 'x', seed })).toThrow(
        expect.objectContaining({
          status: 400,
          code: 'invalid_request',
          param: 'seed',
          message: `seed must be -1 (random) or a whole number from 0 to ${MAX_SEED}.`,
        }),
      )
    }
  })

  it.each([
    ['0x10'],
    ['2e0'],
    [1.5],
    [' 16'],
    ['16 '],
    ['+4'],
    ['1.0'],
    [''],
    [true],
  ])('refuses %j as a number', (value) => {
    for (const param of ['n', 'batch_size', 'steps', 'num_inference_steps', 'seed']) {
      expect(() => parseImagesBody({ prompt: 'x', [param]: value })).toThrow(
        expect.objectContaining({
          status: 400,
          param,
          message: expect.stringMatching(/^\S+ must/),
        }),
      )
    }
  })

  it("caps the prompt and the negative prompt in code points, with OpenAI's code", () => {
    // Emoji are two UTF-16 units each: the cap counts what a person sees.
    expect(parseImagesBody({ prompt: '🦊'.repeat(MAX_PROMPT_CHARS) }).image.prompt).toHaveLength(
      2 * MAX_PROMPT_CHARS,
    )
    expect(() => parseImagesBody({ prompt: 'a'.repeat(MAX_PROMPT_CHARS + 1) })).toThrow(
      expect.objectContaining({
        code: 'string_above_max_length',
        param: 'prompt',
        message: `The prompt is ${MAX_PROMPT_CHARS + 1} characters long; the limit is ${MAX_PROMPT_CHARS}.`,
      }),
    )
    const negative = 'b'.repeat(MAX_NEGATIVE_PROMPT_CHARS + 1)
    expect(() => parseImagesBody({ prompt: 'x', negative_prompt: negative })).toThrow(
      expect.objectContaining({ code: 'string_above_max_length', param: 'negative_prompt' }),
    )
  })

  it.each([
    [{ prompt: 'x', n: 0 }, 'n'],
    [{ prompt: 'x', n: 99 }, 'n'],
    [{ prompt: 'x', size: '1x1' }, 'size'],
    [{ prompt: 'x', size: 'abc' }, 'size'],
    [{ prompt: 'x', size: 512 }, 'size'],
    [{ prompt: 'x', image_size: '100000x100' }, 'image_size'],
    [{ prompt: 'x', response_format: 'gif' }, 'response_format'],
    [{ prompt: 'x', steps: 0 }, 'steps'],
    [{ prompt: 'x', steps: 101 }, 'steps'],
    [{ prompt: 'x', model: 5 }, 'model'],
    [{ prompt: 'x', optimization: 'yes' }, 'optimization'],
    [{ prompt: 5 }, 'prompt'],
    [{}, 'prompt'],
  ])('rejects %j with a 400 naming %s', (body, param) => {
    expect(() => parseImagesBody(body)).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_request', param }),
    )
  })

  it('refuses an empty prompt with the code every door uses', () => {
    expect(() => parseImagesBody({ prompt: '   ' })).toThrow(
      expect.objectContaining({ code: 'invalid_prompt', param: 'prompt' }),
    )
  })
})
