import { describe, expect, it } from 'vitest'
import { imageMarkdown } from './image-link.ts'
import { codeSpan, inertText } from './markdown.ts'

describe('inert markdown', () => {
  it('fences a code span with more backticks than any run inside it', () => {
    expect(codeSpan('a cute cat')).toBe('`a cute cat`')
    expect(codeSpan('a ` b ``` c')).toBe('````a ` b ``` c````')
    // A backtick against the fence is kept apart by a space the renderer strips again.
    expect(codeSpan('`quoted`')).toBe('`` `quoted` ``')
    expect(codeSpan('line\none\r\n  two ')).toBe('`line one two`')
    expect(codeSpan(' \n ')).toBe('')
  })

  it('turns every inline markdown and HTML character into a character reference', () => {
    expect(inertText('<b>*a*</b> _b_ ~c~ [d] `e` \\ & $f$ |')).toBe(
      '&#60;b&#62;&#42;a&#42;&#60;/b&#62; &#95;b&#95; &#126;c&#126; &#91;d&#93; &#96;e&#96; &#92; &#38; &#36;f&#36; &#124;',
    )
    expect(inertText('plain (words), 1.5: ok!\n# not a heading')).toBe(
      'plain (words), 1.5: ok! # not a heading',
    )
  })

  it('puts what a renderer would link by itself in a code span', () => {
    expect(inertText('see http://x.test/a.png, www.x.test or me@x.test; (not ftp:)')).toBe(
      'see `http://x.test/a.png,` `www.x.test` or `me@x.test;` (not ftp:)',
    )
  })

  it('answers without the split what the split answers, for text with nothing to link', () => {
    // The split of every text, as inertText did it for all text before it tested for one.
    const autolinked = /(\S*(?:[a-z][\w+.-]*:\/\/|www\.|[\w.+-]@[\w-]+\.)\S*)/i
    const bySplit = (text: string) =>
      text
        .replace(/\s+/g, ' ')
        .trim()
        .split(autolinked)
        .map((part, index) =>
          index % 2
            ? codeSpan(part)
            : part.replace(/[\\`*_~[\]<>&$|]/g, (c) => `&#${c.charCodeAt(0)};`),
        )
        .join('')
    // Pieces near and on either side of what could link, joined 4,000 ways.
    const pieces = [
      'a',
      'W',
      'ww',
      'www',
      '.',
      ':',
      '/',
      '//',
      '@',
      'x.t',
      ' ',
      '\n',
      '*',
      '`',
      '[',
      'é',
      'h',
    ]
    let seed = 7
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed
    }
    for (let n = 0; n < 4000; n++) {
      let text = ''
      for (let length = next() % 12; length > 0; length--) text += pieces[next() % pieces.length]
      expect(inertText(text)).toBe(bySplit(text))
    }
  })

  it('keeps the alt text and the link destination from ending early', () => {
    expect(imageMarkdown('x](javascript:alert(1)) ![y\nz', 'https://gw/i')).toBe(
      '![x&#93;(javascript:alert(1)) !&#91;y z](https://gw/i)',
    )
    expect(imageMarkdown('a', 'https://gw/image/k (1)<x>')).toBe(
      '![a](https://gw/image/k%20%281%29%3Cx%3E)',
    )
  })
})
