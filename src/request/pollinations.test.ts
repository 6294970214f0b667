import { describe, expect, it } from 'vitest'
import { MAX_SEED } from './fields.ts'
import { POLLINATIONS_SEED, parsePollinationsRequest } from './pollinations.ts'
import { rejection } from './testing.ts'

const parse = (query: Record<string, string>, prompt = 'a fox') =>
  parsePollinationsRequest(prompt, query)

describe('parsePollinationsRequest', () => {
  it("takes Pollinations' defaults: seed 42, no size, no rewrite, no references", () => {
    expect(parse({})).toEqual({
      image: { prompt: 'a fox', seed: POLLINATIONS_SEED },
      optimize: false,
      references: [],
    })
    expect(POLLINATIONS_SEED).toBe(42)
    // An empty parameter, as a form leaves it, is no parameter.
    expect(parse({ seed: '', width: '' }).image).toEqual({ prompt: 'a fox', seed: 42 })
  })

  it('reads seed -1 as a random seed, and any other seed as given', () => {
    expect(parse({ seed: '-1' }).image.seed).toBeUndefined()
    expect(parse({ seed: '0' }).image.seed).toBe(0)
    expect(parse({ seed: String(MAX_SEED) }).image.seed).toBe(MAX_SEED)
    expect(rejection(() => parse({ seed: String(MAX_SEED + 1) }))).toMatchObject({
      status: 400,
      param: 'seed',
    })
  })

  it('fills a missing side with 1024 when the other is given', () => {
    expect(parse({ width: '512' }).image).toMatchObject({ width: 512, height: 1024 })
    expect(parse({ height: '768' }).image).toMatchObject({ width: 1024, height: 768 })
    expect(parse({ width: '1280', height: '720' }).image).toMatchObject({
      width: 1280,
      height: 720,
    })
  })

  it.each([
    ['width', '12'],
    ['width', '512px'],
    ['height', '5000'],
    ['height', '1e3'],
  ])('refuses %s=%s with a 400 naming it', (name, value) => {
    const error = rejection(() => parse({ [name]: value }))
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', param: name })
    expect(error.message).toBe(`${name} must be a whole number from 64 to 4096.`)
  })

  it('reads enhance and safe as switches in any case, and refuses other words', () => {
    expect(parse({ enhance: 'True' }).optimize).toBe(true)
    expect(parse({ enhance: '1' }).optimize).toBe(true)
    expect(parse({ enhance: 'FALSE' }).optimize).toBe(false)
    expect(() => parse({ safe: 'true' })).not.toThrow()
    for (const name of ['enhance', 'safe']) {
      expect(rejection(() => parse({ [name]: 'yes' }))).toMatchObject({
        param: name,
        message: `${name} must be true or false (or 1 or 0).`,
      })
    }
  })

  it('accepts and ignores nologo, private, nofeed, referrer and parameters it does not know', () => {
    const ignored = { nologo: 'true', private: 'x', nofeed: '1', referrer: 'my-app', quality: 'hd' }
    expect(parse(ignored)).toEqual(parse({}))
  })

  it('passes model and negative_prompt on, and checks the prompt like every door', () => {
    expect(parse({ model: 'flux-dev', negative_prompt: 'blur' }).image).toMatchObject({
      model: 'flux-dev',
      negativePrompt: 'blur',
    })
    expect(rejection(() => parse({}, '   '))).toMatchObject({ code: 'invalid_prompt' })
    // A `prompt` in the query never replaces the one in the path.
    expect(parse({ prompt: 'a cat' }).image.prompt).toBe('a fox')
  })

  it('splits references at | when there is one, else at commas that start another URL', () => {
    const a = 'https://a.example/x.png'
    const cdn = 'https://cdn.example/w_100,h_100/y.png'
    expect(parse({ image: `${a}|${cdn}` }).references).toEqual([a, cdn])
    expect(parse({ image: `${a},${cdn}` }).references).toEqual([a, cdn])
    expect(parse({ image: cdn }).references).toEqual([cdn])
    expect(parse({ image: 'data:image/png;base64,iVBOR' }).references).toEqual([
      'data:image/png;base64,iVBOR',
    ])
    expect(parse({ image: `${a}| ` }).references).toEqual([a])
  })
})
