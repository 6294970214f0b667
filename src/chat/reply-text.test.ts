import { describe, expect, it } from 'vitest'
import type { ReplyLanguage } from '../config.ts'
import { generationResult as result } from './__fixtures__/generation.ts'
import { failureText, fullReply, progressLine, resultSection } from './reply-text.ts'
import { REPLY_STRINGS } from './strings.ts'

const image = { alt: 'A cute cat', url: 'https://gw/image/abc', size: { width: 768, height: 512 } }

describe('reply text', () => {
  it("follows Flux-API-Worker's layout, plus model, seed and time, one hard break a line", () => {
    expect(fullReply('en', { original: 'A cute cat 3:2', result: result(), image })).toBe(
      [
        '🎨 Original prompt: `A cute cat 3:2`  ',
        '💬 Prompt generation model: Original Prompt  ',
        '🌐 Optimized prompt: `A cute cat`  ',
        '📐 Image specifications: 768x512  ',
        '🤖 Model: demo (provider: demo)  ',
        '🎲 Seed: 42  ',
        '⏱️ Time taken: 1.2 s  ',
        '🌟 Image generation successful!  ',
        "Here's the result:  ",
        '',
        '![A cute cat](https://gw/image/abc)',
      ].join('\n'),
    )
  })

  it('names the LLM that rewrote the prompt, its fallback note, the default model and fixes', () => {
    const text = fullReply('en', {
      original: 'eine Katze',
      fallback: { asked: 'gpt-4o', model: 'demo' },
      result: result({
        promptModel: 'glm-4-flash',
        finalPrompt: 'a cat',
        promptNote: 'the optimizer timed out',
        warnings: ['steps 99 clamped to 50'],
        seed: undefined,
        upstreamModel: '@cf/black-forest-labs/flux-1-schnell',
        model: 'flux-schnell',
      }),
      image,
    })
    expect(text).toContain(
      '💬 Prompt generation model: glm-4-flash  \n🌐 Optimized prompt: `a cat`  \n',
    )
    expect(text).toContain('ℹ️ Note: the optimizer timed out  \n')
    expect(text).toContain(
      'The model `gpt-4o` is not available here; the default model `demo` was used.  \n',
    )
    expect(text).toContain('⚠️ Adjusted: steps 99 clamped to 50  \n')
    expect(text).toContain('🤖 Model: flux-schnell → @cf/black-forest-labs/flux-1-schnell')
    expect(text).not.toContain('🎲')
  })

  it('shows the real size after the stream announced another one, and not twice otherwise', () => {
    const differs = resultSection('en', result(), image, { width: 1024, height: 1024 })
    expect(differs.startsWith('📐 Image specifications: 768x512  \n')).toBe(true)
    const same = resultSection('en', result(), image, { width: 768, height: 512 })
    expect(same).not.toContain('📐')
    expect(resultSection('en', result(), image, null)).toContain('📐 Image specifications: 768x512')
  })

  it('keeps upstream words and failure messages on one inert line', () => {
    expect(progressLine('fal: queued at <b>position</b> 3\nnext')).toBe(
      '⏳ fal: queued at &#60;b&#62;position&#60;/b&#62; 3 next  \n',
    )
    expect(failureText('en', 'upstream said ![x](http://elsewhere/x.png)')).toBe(
      '❌ Image generation failed: upstream said `![x](http://elsewhere/x.png)`',
    )
  })

  it('has every string in every language, with the same placeholders as English', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    const english = REPLY_STRINGS.en
    for (const [language, strings] of Object.entries(REPLY_STRINGS)) {
      expect(Object.keys(strings).sort(), language).toEqual(Object.keys(english).sort())
      for (const [key, text] of Object.entries(strings)) {
        const englishText = english[key as keyof typeof english]
        expect(placeholders(text), `${language}.${key}`).toEqual(placeholders(englishText))
        if (language !== 'en' && key !== 'seed') {
          expect(text, `${language}.${key} is translated`).not.toBe(englishText)
        }
      }
    }
  })

  it('writes the reply in the configured language', () => {
    const languages: ReplyLanguage[] = ['en', 'zh-CN', 'zh-TW', 'ja', 'es', 'fr', 'ru', 'de']
    const replies = languages.map((language) =>
      fullReply(language, { original: 'A cute cat', result: result(), image }),
    )
    expect(new Set(replies).size).toBe(languages.length)
    expect(replies[3]).toContain('🎨 元のプロンプト：`A cute cat`')
    expect(replies[1]).toContain('📐 图像规格：768x512')
    for (const reply of replies)
      expect(reply.endsWith('\n\n![A cute cat](https://gw/image/abc)')).toBe(true)
    expect(failureText('de', 'kaputt')).toBe('❌ Bilderzeugung fehlgeschlagen: kaputt')
  })
})
