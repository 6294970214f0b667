/**
 * Markdown pieces for chat replies that carry text the gateway does not control (the prompt, a
 * model name from the request, an upstream's message) as inert text: whatever the text holds, it
 * adds no image, link, HTML, emphasis or math in any CommonMark or GFM renderer, and no new line
 * or block.
 *
 * Two tools, for two kinds of text:
 * - Prompts and names go in a code span. The person sees exactly what they typed, in the same
 *   form in the raw text and in every renderer, and nothing inside a code span is parsed: not
 *   HTML, not GFM's bare-URL autolinks, not `$...$` math.
 * - Prose (notes, warnings, failure messages) and the image's alt text, where a code span would
 *   read oddly or is not rendered, get character references (`&#91;`) for the characters markdown
 *   reads as syntax, and code spans around the URLs in them. Backslash escapes would be the usual choice, but NextChat, LobeChat, Cherry
 *   Studio and Open WebUI rewrite `\[...\]` and `\(...\)` into LaTeX before rendering, so an
 *   escaped `[red]` would come out as a formula.
 */

/** Line breaks inside a value would start a new line, list or block: flattened to spaces. */
export const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()

/**
 * The end of an info line: two trailing spaces make a hard line break, so renderers that join
 * consecutive lines into one paragraph (marked, markdown-it and CommonMark by default) still show
 * one line each, and plain-text clients show nothing extra.
 */
export const LINE_END = '  \n'

/** The text verbatim in a code span whose fence is longer than any run of backticks inside. */
export function codeSpan(text: string): string {
  const content = oneLine(text)
  if (!content) return ''
  const longestRun = (content.match(/`+/g) ?? []).reduce(
    (most, run) => Math.max(most, run.length),
    0,
  )
  const fence = '`'.repeat(longestRun + 1)
  // A backtick against the fence would lengthen it; one space each side is stripped again.
  const pad = content.startsWith('`') || content.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${content}${pad}${fence}`
}

/**
 * Characters that start inline syntax: escapes, code, emphasis, strikethrough, links and images,
 * HTML and autolinks, entities, math, table cells. Block syntax (`#`, `-`, `>` ...) only counts at
 * the start of a line, and these values never start one.
 */
const INLINE_SYNTAX = /[\\`*_~[\]<>&$|]/g

/**
 * Words GFM renderers turn into links by themselves: URLs with a scheme, `www.` hosts and e-mail
 * addresses. They would also swallow a character reference that follows them into the link.
 */
const AUTOLINKED = /(\S*(?:[a-z][\w+.-]*:\/\/|www\.|[\w.+-]@[\w-]+\.)\S*)/i

/**
 * What any match of AUTOLINKED holds: a scheme's `://`, `www.` or an `@`. Splitting on
 * AUTOLINKED costs microseconds per word (its leading `\S*` is retried from every character);
 * a prompt rarely holds any of these, and then there is nothing to split.
 */
const MAY_AUTOLINK = /:\/\/|www\.|@/i

const escapeSyntax = (text: string) =>
  text.replace(INLINE_SYNTAX, (character) => `&#${character.charCodeAt(0)};`)

/**
 * The text on one line, every inline markdown or HTML character as a character reference, and
 * anything a renderer would link by itself in a code span.
 */
export function inertText(text: string): string {
  const line = oneLine(text)
  if (!MAY_AUTOLINK.test(line)) return escapeSyntax(line)
  return line
    .split(AUTOLINKED)
    .map((part, index) => (index % 2 ? codeSpan(part) : escapeSyntax(part)))
    .join('')
}
