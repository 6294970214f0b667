import MarkdownIt from 'markdown-it'
import { Marked } from 'marked'
import { describe, expect, it } from 'vitest'
import type { ReplyLanguage } from '../config.ts'
import { generationResult } from './__fixtures__/generation.ts'
import { oneLine } from './markdown.ts'
import {
  attemptLine,
  failureText,
  fullReply,
  openingSection,
  progressLine,
  promptSection,
  resultSection,
} from './reply-text.ts'
import { REPLY_STRINGS } from './strings.ts'

/**
 * Chat replies rendered the way chat clients render them: marked (Open WebUI's renderer) and
 * markdown-it, both with their defaults (GFM in marked, no soft-break plugin in either), and
 * markdown-it also with raw HTML and bare-URL links on, the most permissive setting a client uses.
 */
const RENDERERS: Record<string, (markdown: string) => string> = {
  marked: (markdown) => new Marked().parse(markdown, { async: false }),
  'markdown-it': (markdown) => new MarkdownIt().render(markdown),
  'markdown-it html+linkify': (markdown) =>
    new MarkdownIt({ html: true, linkify: true }).render(markdown),
}

const HOSTILE_PROMPTS = [
  'a fox ](http://elsewhere/x.png) ![',
  '<img src=x onerror=alert(1)>',
  '![x](http://elsewhere/x.png) [click](http://elsewhere/)',
  'a `tick`, ``` a fence, and `` two',
  '`starts and ends with a backtick`',
  '**bold** _it_ ~~gone~~ $x^2$ \\(y\\) \\[z\\] &amp; &lt;b&gt; a | b',
  'line one\n# heading\n- item\n\n<script>alert(1)</script>\n```\ncode',
  'see http://elsewhere/x.png and www.elsewhere.com or <http://elsewhere/>',
]

const LANGUAGES = Object.keys(REPLY_STRINGS) as ReplyLanguage[]
const URL = 'https://gw/image/abc'
const SIZE = { width: 768, height: 512 }

const decode = (html: string) =>
  html
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([\da-f]+);/gi, (_, code: string) =>
      String.fromCodePoint(Number.parseInt(code, 16)),
    )
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
/** What a reader sees: the text with the tags taken out (text never holds a raw `<`). */
const visibleText = (html: string) => decode(html.replace(/<[^>]*>/g, ''))
/** The rendered lines: text between line breaks and paragraph ends. */
const renderedLines = (html: string) =>
  html
    .split(/<br\s*\/?>|<\/p>/)
    .map((part) => visibleText(part).trim())
    .filter(Boolean)

/**
 * Both replies: the non-streamed text and the streamed content, joined. `prompt` goes where the
 * request's words go (original and optimized prompt, alt text, the asked-for model), `prose`
 * where the gateway's and upstreams' words go (prompt model, note, warnings, progress).
 */
function replies(language: ReplyLanguage, prompt: string, prose = 'the optimizer timed out') {
  const result = generationResult({
    prompt,
    finalPrompt: prompt,
    promptModel: prose,
    promptNote: prose,
    warnings: [prose],
  })
  const image = { alt: prompt, url: URL, size: SIZE }
  const fallback = { asked: prompt, model: 'demo' }
  return {
    'non-streamed': fullReply(language, { original: prompt, fallback, result, image }),
    streamed:
      openingSection(language, prompt, { fallback }) +
      attemptLine(language, prose, prose) +
      progressLine(prose) +
      promptSection(language, { promptModel: prose, prompt, note: prose }) +
      resultSection(language, result, image),
  }
}

/** The one image, with the gateway's link and the text as its alt; the tags found besides. */
function checkImage(html: string, alt: string, where: string) {
  const images = [...html.matchAll(/<img\s[^>]*>/g)].map((match) => match[0])
  expect(images, where).toHaveLength(1)
  // Nothing but a quoted src and alt: a stray attribute would be an injected one.
  const shape = /^<img src="([^"]*)" alt="([^"]*)"\s*\/?>$/.exec(images[0]!)
  expect(shape, where).not.toBeNull()
  expect(shape![1], where).toBe(URL)
  expect(decode(shape![2]!), where).toBe(oneLine(alt))
  return new Set([...html.matchAll(/<\/?([a-z][a-z0-9]*)/gi)].map((match) => match[1]))
}

const count = (text: string, part: string) => text.split(part).length - 1

describe.each(Object.entries(RENDERERS))('chat reply rendered by %s', (_, render) => {
  it.each(LANGUAGES)('keeps hostile prompts inert text in %s', (language) => {
    for (const prompt of HOSTILE_PROMPTS) {
      for (const [kind, markdown] of Object.entries(replies(language, prompt))) {
        const html = render(markdown)
        const where = `${kind} ${language} ${JSON.stringify(prompt)}:\n${html}`
        // Only paragraphs, line breaks, code spans and the one image: no link, HTML, heading...
        expect([...checkImage(html, prompt, where)].sort(), where).toEqual([
          'br',
          'code',
          'img',
          'p',
        ])
        // Verbatim: the original and optimized prompt and the asked-for model.
        expect(count(visibleText(html), oneLine(prompt)), where).toBe(3)
      }
    }
  })

  it.each(LANGUAGES)('keeps hostile upstream words inert text in %s', (language) => {
    for (const prose of HOSTILE_PROMPTS) {
      for (const [kind, markdown] of Object.entries(replies(language, 'a cat', prose))) {
        const html = render(markdown)
        const where = `${kind} ${language} ${JSON.stringify(prose)}:\n${html}`
        // A URL in an upstream's message may show as a link (GFM); nothing else becomes markup.
        const tags = [...checkImage(html, 'a cat', where)].filter((tag) => tag !== 'a')
        expect(tags.sort(), where).toEqual(['br', 'code', 'img', 'p'])
        const text = visibleText(html)
        expect(count(text, oneLine(prose)), where).toBe(kind === 'streamed' ? 6 : 3)
      }
    }
  })

  it.each(LANGUAGES)('shows every info line on its own line in %s', (language) => {
    const prompt = 'A cute cat 3:2'
    for (const [kind, markdown] of Object.entries(replies(language, prompt))) {
      const infoLines = markdown.split('\n').filter((line) => line && !line.startsWith('!['))
      const expected = infoLines.map((line) => visibleText(render(line)).trim())
      expect(renderedLines(render(markdown)), `${kind} ${language}`).toEqual(expected)
      expect(expected.length).toBeGreaterThanOrEqual(kind === 'streamed' ? 14 : 12)
    }
  })

  it.each(LANGUAGES)('renders a failure message as one line of text in %s', (language) => {
    const html = render(
      `${openingSection(language, 'a cat')}\n${failureText(language, HOSTILE_PROMPTS[0]!)}`,
    )
    expect(html).not.toMatch(/<img|<a\s/)
    expect(visibleText(html)).toContain(HOSTILE_PROMPTS[0])
  })
})

describe('streamed and non-streamed replies', () => {
  it.each(LANGUAGES)('carry the same text in %s, apart from the progress lines', (language) => {
    const prose = 'the optimizer timed out'
    const { streamed, 'non-streamed': whole } = replies(language, 'A cute cat 3:2', prose)
    const progress = attemptLine(language, prose, prose) + progressLine(prose)
    expect(streamed).toContain(progress)
    expect(streamed.replace(progress, '')).toBe(whole)
  })
})
