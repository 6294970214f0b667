import { encodePng } from '../../image/png.ts'
import { CELL_HEIGHT, CELL_WIDTH, Raster, type Rgb, wrapText } from '../../image/raster.ts'

/** FNV-1a over the UTF-16 code units: a stable, dependency-free hash for choosing colours. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** FNV-1a over bytes: the same input images always give the same demo edit. */
export function fingerprint(images: Uint8Array[]): number {
  let h = 0x811c9dc5
  for (const bytes of images) for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193)
  return h >>> 0
}

function colour(seed: number): Rgb {
  return [64 + (seed & 0x7f), 64 + ((seed >>> 7) & 0x7f), 64 + ((seed >>> 14) & 0x7f)]
}

/**
 * Renders the demo picture: a gradient in colours taken from the prompt and seed, crossed by
 * diagonal stripes and labelled DEMO, so nobody mistakes it for a model's output. The same
 * prompt, seed and size always give the same bytes.
 */
export async function renderDemoPicture(options: {
  prompt: string
  seed: number
  width: number
  height: number
  /** An edit: the input images' count and a fingerprint of their bytes, shown and mixed in. */
  edit?: { images: number; fingerprint: number }
}): Promise<Uint8Array> {
  const { prompt, seed, width, height, edit } = options
  const h = hash(`${prompt}\n${seed}\n${edit?.fingerprint ?? ''}`)
  const top = colour(h)
  const bottom = colour(Math.imul(h, 2654435761) >>> 0)
  const canvas = new Raster(width, height)
  const stripe = Math.max(8, Math.round(Math.min(width, height) / 16))
  for (let y = 0; y < height; y++) {
    const t = height > 1 ? y / (height - 1) : 0
    const row = top.map((c, i) => Math.round(c + (bottom[i]! - c) * t))
    for (let x = 0; x < width; x++) {
      // Darken every other diagonal band: the "demo" hatching.
      const shade = Math.floor((x + y) / stripe) % 2 === 0 ? 1 : 0.82
      const i = (y * width + x) * 3
      canvas.pixels[i] = row[0]! * shade
      canvas.pixels[i + 1] = row[1]! * shade
      canvas.pixels[i + 2] = row[2]! * shade
    }
  }

  const white: Rgb = [255, 255, 255]
  const titleScale = Math.max(2, Math.floor(width / 5 / (4 * CELL_WIDTH)))
  const textScale = Math.max(1, Math.floor(titleScale / 3))
  const columns = Math.max(8, Math.floor((width * 0.8) / (CELL_WIDTH * textScale)))
  const lines = wrapText(prompt, columns, 4)
  const title = edit ? 'DEMO EDIT' : 'DEMO'
  const footer = edit
    ? `EDIT OF ${edit.images}  SEED ${seed}  ${width}X${height}`
    : `SEED ${seed}  ${width}X${height}`
  const blockHeight = CELL_HEIGHT * titleScale + (lines.length + 2) * CELL_HEIGHT * textScale * 1.5
  let y = Math.max(0, Math.round((height - blockHeight) / 2))
  canvas.fillRect(0, y - titleScale * 2, width, blockHeight + titleScale * 4, [24, 24, 28])
  const centre = (text: string, scale: number) =>
    Math.max(0, Math.round((width - text.length * CELL_WIDTH * scale) / 2))
  canvas.drawText(title, centre(title, titleScale), y, titleScale, [255, 200, 40])
  y += CELL_HEIGHT * titleScale + CELL_HEIGHT * textScale
  for (const line of lines) {
    canvas.drawText(line, centre(line, textScale), y, textScale, white)
    y += CELL_HEIGHT * textScale * 1.5
  }
  canvas.drawText(footer, centre(footer, textScale), y, textScale, [180, 180, 190])
  return encodePng(width, height, canvas.pixels)
}
