import { errorHeaders, type GatewayError } from '../errors.ts'
import { encodePng } from './png.ts'
import { CELL_HEIGHT, CELL_WIDTH, Raster, type Rgb, wrapText } from './raster.ts'

/**
 * Error images for the direct image API: a `<img src>` or markdown image cannot show a JSON body,
 * so a failure is drawn as a small PNG saying what failed and what to do. Rendered locally with
 * the 5x7 bitmap font (freefluxapi pointed every error at one remote JPEG, with status 200, so
 * the picture never said what went wrong and the status hid that anything had).
 */

/** Pixel size of every error image: legible in a chat bubble, a few KB as PNG. */
export const ERROR_IMAGE_WIDTH = 512
export const ERROR_IMAGE_HEIGHT = 256

const MARGIN = 16
const TITLE_SCALE = 3
const TEXT_SCALE = 2
const DETAIL_LINES = 6
const BACKGROUND: Rgb = [32, 34, 42]
const ACCENT: Rgb = [232, 84, 72]
const TEXT: Rgb = [228, 230, 236]
const HINT: Rgb = [250, 200, 90]

const TITLES: Record<number, string> = {
  400: 'BAD REQUEST',
  401: 'KEY REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT FOUND',
  413: 'TOO LARGE',
  429: 'RATE LIMITED',
  500: 'SERVER ERROR',
  502: 'UPSTREAM FAILED',
  503: 'UPSTREAMS BUSY',
  504: 'TIMED OUT',
}

const HINTS: Record<number, string> = {
  400: 'FIX THE URL AND RELOAD',
  401: 'ADD ?KEY=YOUR-KEY TO THE URL',
  403: 'ASK THE OPERATOR FOR ACCESS',
  404: 'CHECK THE URL AND THE MODEL NAME',
  413: 'SEND LESS',
}

/** The words on an error image: a title, the error's own message, and what to do next. */
export type ErrorImageText = { title: string; detail: string[]; hint: string }

/** Chooses the text for an error: pure, so tests can read what the picture says. */
export function errorImageText(error: GatewayError): ErrorImageText {
  const columns = Math.floor((ERROR_IMAGE_WIDTH - 2 * MARGIN) / (CELL_WIDTH * TEXT_SCALE))
  const retryAfter = error.retryAfter === undefined ? undefined : Math.ceil(error.retryAfter)
  return {
    title: `${error.status} ${TITLES[error.status] ?? 'ERROR'}`,
    // The font has ASCII glyphs only; anything else would print as '?' anyway.
    detail: wrapText(error.message.replace(/[^\x20-\x7e]+/g, '?'), columns, DETAIL_LINES),
    hint:
      retryAfter !== undefined
        ? `TRY AGAIN IN ${retryAfter} S`
        : (HINTS[error.status] ?? 'TRY AGAIN LATER'),
  }
}

// Rendering costs a few milliseconds; a flood of 429s repeats the same few pictures.
const cache = new Map<string, Uint8Array>()
const CACHE_SIZE = 64

/** Draws the error as a PNG of ERROR_IMAGE_WIDTH x ERROR_IMAGE_HEIGHT. */
export async function renderErrorImage(error: GatewayError): Promise<Uint8Array> {
  const text = errorImageText(error)
  const cacheKey = JSON.stringify(text)
  const cached = cache.get(cacheKey)
  if (cached) return cached

  const raster = new Raster(ERROR_IMAGE_WIDTH, ERROR_IMAGE_HEIGHT)
  raster.fillRect(0, 0, ERROR_IMAGE_WIDTH, ERROR_IMAGE_HEIGHT, BACKGROUND)
  raster.fillRect(0, 0, ERROR_IMAGE_WIDTH, 6, ACCENT)
  raster.drawText(text.title, MARGIN, 24, TITLE_SCALE, ACCENT)
  const lineHeight = (CELL_HEIGHT + 2) * TEXT_SCALE
  text.detail.forEach((line, index) => {
    raster.drawText(line, MARGIN, 24 + 40 + index * lineHeight, TEXT_SCALE, TEXT)
  })
  raster.drawText(text.hint, MARGIN, ERROR_IMAGE_HEIGHT - MARGIN - 7 * TEXT_SCALE, TEXT_SCALE, HINT)
  const png = await encodePng(raster.width, raster.height, raster.pixels)

  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
  cache.set(cacheKey, png)
  return png
}

/**
 * The error as an image response: the true status, the error code in `X-Error-Code` (the only
 * machine-readable part), `Retry-After` when known, and never cached.
 */
export async function errorImageResponse(error: GatewayError): Promise<Response> {
  // A copy per response: the cached bytes must not be handed to a runtime that may transfer them.
  const png = (await renderErrorImage(error)).slice()
  return new Response(png, {
    status: error.status,
    headers: {
      ...errorHeaders(error),
      'Content-Type': 'image/png',
      'Content-Length': String(png.length),
      'Cache-Control': 'no-store',
      'X-Error-Code': error.code,
    },
  })
}
