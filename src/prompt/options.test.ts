import { describe, expect, it } from 'vitest'
import { GatewayError } from '../errors.ts'
import { RATIO_PRESETS, sizeForRatio } from '../request/aspect-ratio.ts'
import {
  MAX_MODEL_CHARS,
  MAX_NEGATIVE_PROMPT_CHARS,
  MAX_SEED,
  MAX_SIDE,
  MAX_STEPS,
  MIN_SIDE,
} from '../request/fields.ts'
import { parsePromptOptions } from './options.ts'

const badRequestOf = (text: string) => {
  try {
    parsePromptOptions(text)
  } catch (error) {
    return error
  }
  return null
}

describe('parsePromptOptions', () => {
  it("keeps Flux-API-Worker's six presets exactly", () => {
    expect(RATIO_PRESETS).toEqual({
      '1:1': { width: 1024, height: 1024 },
      '1:2': { width: 512, height: 1024 },
      '3:2': { width: 768, height: 512 },
      '3:4': { width: 768, height: 1024 },
      '16:9': { width: 1024, height: 576 },
      '9:16': { width: 576, height: 1024 },
    })
    for (const [ratio, size] of Object.entries(RATIO_PRESETS)) {
      expect(parsePromptOptions(`A cute cat ${ratio}`)).toEqual({
        prompt: 'A cute cat',
        ratio,
        ...size,
      })
    }
  })

  it('leaves the size unset when no option is given (the model default, 1024x1024)', () => {
    expect(parsePromptOptions('A cute cat')).toEqual({ prompt: 'A cute cat' })
  })

  it('computes other ratios at about one megapixel in multiples of 64', () => {
    for (const [w, h] of [
      [4, 3],
      [21, 9],
      [2, 3],
      [5, 4],
      [32, 9],
    ] as const) {
      const { width, height } = sizeForRatio(w, h)
      expect(width % 64, `${w}:${h}`).toBe(0)
      expect(height % 64, `${w}:${h}`).toBe(0)
      expect(Math.abs(width / height - w / h) / (w / h), `${w}:${h}`).toBeLessThan(0.1)
      expect(width * height, `${w}:${h}`).toBeGreaterThan(0.8 * 2 ** 20)
      expect(width * height, `${w}:${h}`).toBeLessThan(1.2 * 2 ** 20)
    }
    expect(parsePromptOptions('a wide road 4:3')).toMatchObject({ width: 1152, height: 896 })
  })

  it('does not eat times or ratios that are not the last word', () => {
    for (const text of [
      'a clock at 10:30',
      'meet me at 9:16',
      'a clock showing 9:05',
      'a train leaving at 12:45 from the station',
      '16:9 is my favourite format for a cat',
      'scoreboard 10:45',
      'a ratio of 0:1',
      'a 40:1 scale model',
    ]) {
      expect(parsePromptOptions(text), text).toEqual({ prompt: text })
    }
  })

  it('takes a ratio on the last line of a multi-line prompt and keeps the line breaks', () => {
    expect(parsePromptOptions('A cute cat\nin a hat\n16:9')).toEqual({
      prompt: 'A cute cat\nin a hat',
      ratio: '16:9',
      width: 1024,
      height: 576,
    })
  })

  it('reads an explicit size anywhere, and it wins over a ratio', () => {
    expect(parsePromptOptions('1024x768 a sunset')).toEqual({
      prompt: 'a sunset',
      width: 1024,
      height: 768,
    })
    expect(parsePromptOptions('a sunset 640×480 16:9')).toEqual({
      prompt: 'a sunset',
      width: 640,
      height: 480,
    })
    // Not sizes: too small (a poster's inches), too big, leading zero.
    for (const text of ['a 24x36 poster', 'a 9999x9999 grid', 'code 0640x480']) {
      expect(parsePromptOptions(text), text).toEqual({ prompt: text })
    }
  })

  it('parses every flag and removes it from the prompt', () => {
    expect(
      parsePromptOptions(
        'A lighthouse at dusk --ar 16:9 --seed 42 --steps 8 --no text, watermark --model flux-dev',
      ),
    ).toEqual({
      prompt: 'A lighthouse at dusk',
      ratio: '16:9',
      width: 1024,
      height: 576,
      seed: 42,
      steps: 8,
      negativePrompt: 'text, watermark',
      model: 'flux-dev',
    })
  })

  it('runs --no to the next flag and accepts =, upper case and an em dash', () => {
    expect(parsePromptOptions('a cat --NO blur, noise —seed=7 in a box')).toEqual({
      prompt: 'a cat in a box',
      negativePrompt: 'blur, noise',
      seed: 7,
    })
    expect(parsePromptOptions('a cat --aspect=9:16')).toMatchObject({ width: 576, height: 1024 })
  })

  it('takes text after a one-value flag back into the prompt', () => {
    expect(parsePromptOptions('--seed 3 a red fox, 3:2')).toEqual({
      prompt: 'a red fox',
      seed: 3,
      ratio: '3:2',
      width: 768,
      height: 512,
    })
  })

  it('marks `--seed -1` as a seed asked for (a random one), unlike no --seed at all', () => {
    const random = parsePromptOptions('a red fox --seed -1')
    expect('seed' in random && random.seed === undefined).toBe(true)
    expect('seed' in parsePromptOptions('a red fox')).toBe(false)
  })

  it('takes the --edit switch out wherever it stands, and leaves the words after it', () => {
    expect(parsePromptOptions('--edit make the sky red 16:9')).toEqual({
      prompt: 'make the sky red',
      edit: true,
      ratio: '16:9',
      width: 1024,
      height: 576,
    })
    expect(parsePromptOptions('now in blue —EDIT --no blur')).toEqual({
      prompt: 'now in blue',
      edit: true,
      negativePrompt: 'blur',
    })
    expect(parsePromptOptions('an --editor at work').edit).toBeUndefined()
    expect(badRequestOf('make it blue --edit=2')).toMatchObject({
      status: 400,
      message: '--edit takes no value.',
    })
  })

  it('leaves unknown flags and words that merely start with a flag name alone', () => {
    expect(parsePromptOptions('a cat --stylize 100 --seedless')).toEqual({
      prompt: 'a cat --stylize 100 --seedless',
    })
  })

  it('rejects bad flag values with a 400', () => {
    for (const text of [
      'a cat --seed abc',
      'a cat --seed -2',
      'a cat --seed 99999999999',
      'a cat --steps 0',
      'a cat --steps 500',
      'a cat --ar wide',
      'a cat --ar 100:1',
      'a cat --model',
      'a cat --seed',
    ]) {
      const error = badRequestOf(text)
      expect(error, text).toBeInstanceOf(GatewayError)
      expect((error as GatewayError).status, text).toBe(400)
    }
  })

  it('holds flags to the limits of the other doors', () => {
    expect(parsePromptOptions(`a cat --seed ${MAX_SEED} --steps ${MAX_STEPS}`)).toMatchObject({
      seed: MAX_SEED,
      steps: MAX_STEPS,
    })
    expect(badRequestOf(`a cat --seed ${MAX_SEED + 1}`)).toMatchObject({
      message: `--seed must be -1 (random) or a whole number from 0 to ${MAX_SEED}.`,
    })
    expect(badRequestOf(`a cat --steps ${MAX_STEPS + 1}`)).toMatchObject({
      message: `--steps must be a whole number from 1 to ${MAX_STEPS}.`,
    })
    expect(badRequestOf(`a cat --no ${'b'.repeat(MAX_NEGATIVE_PROMPT_CHARS + 1)}`)).toMatchObject({
      code: 'string_above_max_length',
    })
    expect(badRequestOf(`a cat --model ${'m'.repeat(MAX_MODEL_CHARS + 1)}`)).toMatchObject({
      status: 400,
    })
    // A size outside MIN_SIDE..MAX_SIDE is not a size: it stays in the prompt.
    expect(parsePromptOptions(`a cat ${MAX_SIDE + 64}x${MAX_SIDE}`).width).toBeUndefined()
    expect(parsePromptOptions(`a cat ${MIN_SIDE}x${MAX_SIDE}`)).toMatchObject({
      width: MIN_SIDE,
      height: MAX_SIDE,
    })
  })

  it('reads --seed -1 as a random seed and takes it out of the prompt', () => {
    expect(parsePromptOptions('a cat --seed -1')).toEqual({ prompt: 'a cat' })
  })

  it('returns an empty prompt when only options were given (the route rejects it)', () => {
    expect(parsePromptOptions('16:9 --seed 1').prompt).toBe('')
  })
})
