/**
 * The one request vocabulary: the fields every door (chat, Images API, direct URL, and the doors
 * to come) validates, with one set of limits. Routes parse their own wire format into
 * `ImageParams`; nothing downstream validates these fields again.
 */

/** Largest seed accepted anywhere: every upstream takes a signed 32-bit seed. Seeds run 0..MAX_SEED. */
export const MAX_SEED = 2 ** 31 - 1
/** Longest prompt, counted in Unicode code points (what a person calls characters). */
export const MAX_PROMPT_CHARS = 8192
/** Longest negative prompt, in code points. */
export const MAX_NEGATIVE_PROMPT_CHARS = 2048
/** Each side of a requested size, in pixels; the model's own range is then fitted. */
export const MIN_SIDE = 64
export const MAX_SIDE = 4096
/** Images per request. */
export const MAX_IMAGES = 4
/** Sampling steps, where a model takes them. */
export const MAX_STEPS = 100
/** What a client sends for "a new random seed each time" (most image UIs use -1). */
export const RANDOM_SEED = -1
/** Longest model id a client may name; real ids are far shorter. */
export const MAX_MODEL_CHARS = 200
/** Input images per request, whatever a model claims: FLUX.2 [flex] takes 10, none more than 16. */
export const MAX_INPUT_IMAGES = 16
/** Bytes per input image (a 4096 x 4096 PNG photo is about 20-30 MiB; cameras' JPEGs are less). */
export const MAX_INPUT_IMAGE_BYTES = 20 * 1024 * 1024

/**
 * An input image as a client gave it, before it is read: a link (https, a `data:` URI, or this
 * gateway's own `/image/{key}`) or the bytes of an uploaded file.
 */
export type ImageSource = { url: string } | { bytes: Uint8Array; filename?: string }

/** An image format a client can ask for (OpenAI's `output_format`). */
export type ImageFormat = 'png' | 'jpeg' | 'webp'

/**
 * OpenAI's `quality`, every model's spelling (GPT image models, dall-e-3). It maps to the
 * sampling steps of models that take them (providers/fit.ts `stepsForQuality`).
 */
export type ImageQuality = 'low' | 'medium' | 'high' | 'auto' | 'standard' | 'hd'

/** What a door asks the generation flow for, after validation. */
export type ImageParams = {
  prompt: string
  negativePrompt?: string
  width?: number
  height?: number
  /** Images wanted, 1..MAX_IMAGES. */
  n: number
  steps?: number
  /** 0..MAX_SEED; absent: a random seed (and a new image every time). */
  seed?: number
  /** Public or provider-qualified model id; the default model when absent. */
  model?: string
  /** Images to edit or take as references; a non-empty list makes the request an edit. */
  images?: ImageSource[]
  /** PNG whose transparent pixels mark where the first image may change. */
  mask?: ImageSource
  /** Only routes that can give this format serve the request; absent: the model's own. */
  outputFormat?: ImageFormat
  /** Steps where the request names none: see ImageQuality. */
  quality?: ImageQuality
  /** `transparent` only runs on models that can make one; the others are what FLUX makes. */
  background?: 'transparent' | 'opaque' | 'auto'
}
