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

  it('keeps the alt text and the link destination from ending early', () => {
    expect(imageMarkdown('x](javascript:alert(1)) ![y\nz', 'https://gw/i')).toBe(
      '![x&#93;(javascript:alert(1)) !&#91;y z](https://gw/i)',
    )
    expect(imageMarkdown('a', 'https://gw/image/k (1)<x>')).toBe(
      '![a](https://gw/image/k%20%281%29%3Cx%3E)',
    )
  })
})
