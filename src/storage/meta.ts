import type { ImageMeta } from './types.ts'

/** Workers KV allows 1024 bytes of metadata per key; leave room for JSON escaping slack. */
const META_BUDGET = 1000

/**
 * Serialises metadata within `budget` bytes, cutting the two prompts (the only unbounded
 * fields) as needed. The prompts are informational; generation never reads them back.
 */
export function encodeMeta(meta: ImageMeta, budget = META_BUDGET): string {
  let json = JSON.stringify(meta)
  let { prompt, finalPrompt } = meta
  const encoder = new TextEncoder()
  while (encoder.encode(json).length > budget && (prompt.length || finalPrompt.length)) {
    prompt = shorten(prompt)
    finalPrompt = shorten(finalPrompt)
    json = JSON.stringify({ ...meta, prompt, finalPrompt })
  }
  return json
}

/** Cuts text to 70%, never between the two halves of a surrogate pair (emoji, rare CJK). */
function shorten(text: string): string {
  const cut = text.slice(0, Math.floor(text.length * 0.7))
  const last = cut.charCodeAt(cut.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut
}

/** Parses metadata written by encodeMeta; null when it is not ours (corrupt or foreign). */
export function decodeMeta(value: unknown): ImageMeta | null {
  const meta = typeof value === 'string' ? safeParse(value) : value
  if (!meta || typeof meta !== 'object') return null
  const record = meta as Partial<ImageMeta>
  if (typeof record.contentType !== 'string' || typeof record.expiresAt !== 'number') return null
  return record as ImageMeta
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
