import { describe, expect, it } from 'vitest'
import type { ReplyLanguage } from '../config.ts'
import { generationResult as result } from './__fixtures__/generation.ts'
import {
  captionText,
  failureText,
  fullReply,
  progressLine,
  promptSection,
  resultSection,
} from './reply-text.ts'
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

  it("tells the size once, the image's own, with the result and not with the prompt", () => {
    const prepared = { promptModel: null, prompt: 'A cute cat' }
    expect(promptSection('en', prepared)).not.toContain('📐')
    const section = resultSection('en', result(), image)
    expect(section.startsWith('📐 Image specifications: 768x512  \n')).toBe(true)
    expect(section.match(/📐/g)).toHaveLength(1)
  })

  it('captions an image sent apart in one line, with no image of its own', () => {
    expect(captionText('en', { result: result(), image })).toBe(
      '🎨 `A cute cat` · 📐 768x512 · 🤖 demo · 🎲 42',
    )
    const noted = captionText('de', {
      fallback: { asked: 'gpt-4o', model: 'demo' },
      result: result({ seed: undefined, warnings: ['size 10x10 fitted to <64x64>'] }),
      image: { ...image, alt: 'a [red](x) fox' },
    })
    expect(noted).toBe(
      [
        'ℹ️ Das Modell `gpt-4o` ist hier nicht verfügbar; das Standardmodell `demo` wurde verwendet.',
        '🎨 `a [red](x) fox` · 📐 768x512 · 🤖 demo',
        '⚠️ Angepasst: size 10x10 fitted to &#60;64x64&#62;',
      ].join('  \n'),
    )
  })

  it('says an edit is one in a line after the prompt, and in the caption', () => {
    const reply = fullReply('fr', { original: 'en bleu', inputs: 2, result: result(), image })
    expect(
      reply.startsWith('🎨 Prompt d’origine : `en bleu`  \n✏️ Retouche · images d’entrée : 2  \n'),
    ).toBe(true)
    expect(captionText('en', { inputs: 1, result: result(), image })).toBe(
      '✏️ Edit · input images: 1  \n🎨 `A cute cat` · 📐 768x512 · 🤖 demo · 🎲 42',
    )
    expect(fullReply('en', { original: 'a', inputs: 0, result: result(), image })).not.toContain(
      '✏️',
    )
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
