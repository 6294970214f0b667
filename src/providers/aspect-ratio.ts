import type { ImageRequest } from './types.ts'

/**
 * Hosts whose FLUX endpoints take an aspect ratio instead of a size (Replicate, FLUX.1 Kontext
 * everywhere): the fitted size is sent as the nearest ratio the host lists, and the reply reports
 * the size the image really has.
 */

/** The ratios Replicate's FLUX.1 models and BFL's Kontext take. */
export const ASPECT_RATIOS = [
  '1:1',
  '16:9',
  '21:9',
  '3:2',
  '2:3',
  '4:5',
  '5:4',
  '3:4',
  '4:3',
  '9:16',
  '9:21',
] as const

/** The listed ratio closest to `width:height` on a log scale (so 2:1 is as far as 1:2). */
export function nearestAspectRatio<Ratio extends string>(
  width: number,
  height: number,
  ratios: readonly Ratio[] = ASPECT_RATIOS as unknown as Ratio[],
): Ratio {
  const wanted = Math.log(width / height)
  let best = ratios[0]!
  let distance = Number.POSITIVE_INFINITY
  for (const ratio of ratios) {
    const gap = Math.abs(Math.log(ratioValue(ratio)) - wanted)
    if (gap < distance - 1e-9) {
      best = ratio
      distance = gap
    }
  }
  return best
}

/** True when `ratio` is exactly `width:height`. */
export function isExactRatio(ratio: string, width: number, height: number): boolean {
  const [w, h] = ratio.split(':').map(Number) as [number, number]
  return width * h === height * w
}

const ratioValue = (ratio: string) => {
  const [w, h] = ratio.split(':').map(Number) as [number, number]
  return w / h
}

/**
 * True for an edit whose fitted size has its first image's shape (within 1%), which is what an
 * edit without a size asks for: a host that can keep the input's own ratio (Replicate's
 * `match_input_image`, Kontext with no `aspect_ratio`) then does so exactly.
 */
export function keepsInputShape(request: ImageRequest): boolean {
  const first = request.images?.[0]
  if (!first) return false
  if (!request.width || !request.height) return true
  const gap = Math.log(request.width / request.height / (first.width / first.height))
  return Math.abs(gap) < 0.01
}
