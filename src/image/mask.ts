import { concatBytes } from '../bytes/concat.ts'
import { encodePng } from './png.ts'

/**
 * Masks in the two conventions that meet here. Clients send OpenAI's: a PNG whose transparent
 * pixels mark the area to change. FLUX.1 Fill hosts (BFL, fal, Replicate) want a black-and-white
 * image of the same size: white is repainted, black kept. `fillMask` turns the one into the other,
 * reading the PNG with the Web-standard DecompressionStream, so it runs on Workers and Node alike.
 */

/** A decoded 8-bit PNG: `channels` samples per pixel (a palette image has 1, its index). */
export type DecodedPng = {
  width: number
  height: number
  channels: number
  /** Unfiltered samples, row-major, width * height * channels bytes. */
  samples: Uint8Array
  /** Alpha per palette index (tRNS), for palette images. */
  paletteAlpha?: Uint8Array
}

/** Samples per pixel by colour type: gray, -, RGB, palette, gray+alpha, -, RGBA. */
const CHANNELS = [1, 0, 3, 1, 2, 0, 4]

/** Larger masks are refused: decoding one holds every pixel in memory (Workers have 128 MB). */
export const MAX_MASK_PIXELS = 4096 * 4096

/**
 * Decodes an 8-bit, non-interlaced PNG, or returns null for anything else (16-bit, interlaced,
 * damaged, or over MAX_MASK_PIXELS). Inflation stops at the size the header promises, so a
 * compressed bomb cannot grow past it.
 */
export async function decodePng(png: Uint8Array): Promise<DecodedPng | null> {
  if (png[0] !== 0x89 || png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) return null
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const idat: Uint8Array[] = []
  let header: Uint8Array | undefined
  let paletteAlpha: Uint8Array | undefined
  for (let at = 8; at + 12 <= png.length; ) {
    const length = view.getUint32(at)
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8))
    const data = png.subarray(at + 8, at + 8 + length)
    if (type === 'IHDR') header = data
    else if (type === 'tRNS') paletteAlpha = data
    else if (type === 'IDAT') idat.push(data)
    at += 12 + length
  }
  if (header?.length !== 13) return null
  const width = view.getUint32(16)
  const height = view.getUint32(20)
  const [depth, colourType, , , interlace] = header.subarray(8)
  const channels = CHANNELS[colourType!] ?? 0
  if (depth !== 8 || interlace !== 0 || !channels || width * height > MAX_MASK_PIXELS) return null
  const stride = width * channels
  const raw = await inflate(concatBytes(idat), (stride + 1) * height)
  if (!raw) return null
  const samples = new Uint8Array(stride * height)
  for (let y = 0; y < height; y++) {
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    const row = samples.subarray(y * stride, (y + 1) * stride)
    const above = y > 0 ? samples.subarray((y - 1) * stride, y * stride) : null
    if (!unfilter(raw[y * (stride + 1)]!, line, row, above, channels)) return null
  }
  return {
    width,
    height,
    channels,
    samples,
    paletteAlpha: colourType === 3 ? paletteAlpha : undefined,
  }
}

/** Undoes one scanline's filter into `row`; false for an unknown filter type. */
function unfilter(
  filter: number,
  line: Uint8Array,
  row: Uint8Array,
  above: Uint8Array | null,
  step: number,
): boolean {
  if (filter > 4) return false
  for (let x = 0; x < line.length; x++) {
    const left = x >= step ? row[x - step]! : 0
    const up = above ? above[x]! : 0
    const corner = above && x >= step ? above[x - step]! : 0
    // None, Sub, Up, Average, Paeth (PNG specification, section 9).
    const predicted =
      filter === 1
        ? left
        : filter === 2
          ? up
          : filter === 3
            ? (left + up) >> 1
            : filter === 4
              ? paeth(left, up, corner)
              : 0
    row[x] = (line[x]! + predicted) & 0xff
  }
  return true
}

function paeth(left: number, up: number, corner: number): number {
  const a = Math.abs(up - corner)
  const b = Math.abs(left - corner)
  const c = Math.abs(left + up - 2 * corner)
  return a <= b && a <= c ? left : b <= c ? up : corner
}

/** Inflates a zlib stream to exactly `size` bytes, or null when it is damaged or short. */
async function inflate(data: Uint8Array, size: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(size)
  let filled = 0
  const reader = new Blob([data as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'))
    .getReader()
  try {
    while (filled < size) {
      const { done, value } = await reader.read()
      if (done) break
      const part = value.subarray(0, size - filled)
      out.set(part, filled)
      filled += part.length
    }
  } catch {
    return null
  } finally {
    reader.cancel().catch(() => {})
  }
  return filled === size ? out : null
}

/**
 * The FLUX.1 Fill mask for an OpenAI-style `mask` PNG: a gray PNG of the same size, white where
 * the mask is transparent, black where it is opaque, partial transparency in between. A mask
 * without an alpha channel is opaque everywhere, so nothing is repainted. Null when the PNG
 * cannot be read (see decodePng).
 */
export async function fillMask(png: Uint8Array): Promise<Uint8Array | null> {
  const decoded = await decodePng(png)
  if (!decoded) return null
  const { width, height, channels, samples, paletteAlpha } = decoded
  const gray = new Uint8Array(width * height)
  for (let i = 0; i < gray.length; i++) {
    const alpha =
      channels === 4 || channels === 2
        ? samples[i * channels + channels - 1]!
        : paletteAlpha
          ? (paletteAlpha[samples[i]!] ?? 255)
          : 255
    gray[i] = 255 - alpha
  }
  return encodePng(width, height, gray, 1)
}
