import * as z from 'zod/mini'

/**
 * Aspect ratios as sizes, one rule for every door that takes a ratio: the chat prompt's `16:9`
 * and `--ar 16:9`, and the chat body's `image_config.aspect_ratio`.
 */

type Size = { width: number; height: number }

/**
 * Flux-API-Worker's presets, kept exactly so its users get the sizes they had; other ratios are
 * computed.
 */
export const RATIO_PRESETS: Readonly<Record<string, Size>> = {
  '1:1': { width: 1024, height: 1024 },
  '1:2': { width: 512, height: 1024 },
  '3:2': { width: 768, height: 512 },
  '3:4': { width: 768, height: 1024 },
  '16:9': { width: 1024, height: 576 },
  '9:16': { width: 576, height: 1024 },
}

const RATIO = /^([1-9]\d?):([1-9]\d?)$/

/** Width and height for a ratio: a preset, else about one megapixel in multiples of 64. */
export function sizeForRatio(w: number, h: number): Size {
  const preset = RATIO_PRESETS[`${w}:${h}`]
  if (preset) return { ...preset }
  const area = 1024 * 1024
  const round64 = (value: number) => Math.max(64, Math.round(value / 64) * 64)
  return { width: round64(Math.sqrt((area * w) / h)), height: round64(Math.sqrt((area * h) / w)) }
}

/** Parses `W:H` with both sides 1-32 and no leading zero; null otherwise. */
export function parseRatio(token: string): { w: number; h: number } | null {
  const match = RATIO.exec(token)
  if (!match) return null
  const w = Number(match[1])
  const h = Number(match[2])
  return w <= 32 && h <= 32 ? { w, h } : null
}

const RATIO_RULE = 'must be a ratio such as "16:9", each side from 1 to 32'

/** A ratio field (`"16:9"`) as the size it stands for. */
export const aspectRatio = z
  .pipe(
    z.string({ error: RATIO_RULE }),
    z.transform((text, ctx) => {
      const ratio = parseRatio(text.trim())
      if (ratio) return sizeForRatio(ratio.w, ratio.h)
      ctx.issues.push({ code: 'custom', input: text, message: RATIO_RULE })
      return z.NEVER
    }),
  )
  .check(
    z.meta({ description: '"W:H", each side 1-32 (e.g. "16:9"), sized as the inline ratio is.' }),
  )
