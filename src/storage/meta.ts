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
    prompt = prompt.slice(0, Math.floor(prompt.length * 0.7))
    finalPrompt = finalPrompt.slice(0, Math.floor(finalPrompt.length * 0.7))
    json = JSON.stringify({ ...meta, prompt, finalPrompt })
  }
  return json
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
