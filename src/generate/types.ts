import type { Config } from '../config.ts'
import type { ImageInfo } from '../image/sniff.ts'
import type { Catalogue } from '../pool/catalogue.ts'
import type { ImageParams } from '../request/fields.ts'
import type { ImageStore } from '../storage/types.ts'

/** The prompt after translation/optimization, and who produced it. */
export type PreparedPrompt = {
  prompt: string
  /** The LLM that rewrote it; null when the prompt went through unchanged. */
  promptModel: string | null
  /** Why the original was kept (LLM failed, timed out, ...), for the reply. */
  note?: string
}

/** Translates and/or optimizes a prompt (prompt/optimizer.ts); never throws for an LLM failure. */
export type PromptPreparer = (
  prompt: string,
  options: { optimize: boolean; maxLength: number; signal: AbortSignal },
) => Promise<PreparedPrompt>

/** The services generation needs; the app's service bag (services.ts) is a superset. */
export type Gateway = {
  config: Config
  storage: ImageStore | null
  catalogue: Catalogue
  preparePrompt?: PromptPreparer
  fetch: typeof fetch
  now: () => number
}

/** Progress of one generation, for streaming clients. */
export type GenerationEvent =
  | ({
      type: 'prompt-ready'
      model: string
      size: { width: number; height: number } | null
    } & PreparedPrompt)
  | { type: 'attempt'; provider: string; model: string }
  | { type: 'upstream-progress'; message: string }

/** What a route asks `generateImages` for: the validated request plus how to run it. */
export type GenerationInput = ImageParams & {
  /** Rewrite the prompt through the LLM (translation of non-ASCII prompts happens regardless). */
  optimize?: boolean
  /** The client's signal: aborting it cancels upstream work (shared work: once all have left). */
  signal: AbortSignal
  /**
   * Origins whose `/image/{key}` links are this gateway's own (PUBLIC_URL, the request's): such
   * input images are read from the store instead of fetched.
   */
  origins?: string[]
  onProgress?: (event: GenerationEvent) => void
  /**
   * The caller sends the images themselves and hands out no link to them (`b64_json`). An
   * unseeded image is then not stored, since nothing could ever fetch it, and an upstream's
   * base64 text is kept for the reply (`GeneratedRecord.base64`). A seeded one is still stored
   * under its content address, for the next identical request.
   */
  inlineOnly?: boolean
}

/** One image as generated or read back, with where it is stored. */
export type GeneratedRecord = ImageInfo & {
  bytes: Uint8Array
  /**
   * Storage key, or null when the image was not stored (no storage is configured, or it was
   * asked for `inlineOnly`): the caller must inline the bytes.
   */
  key: string | null
  /** The upstream's standard base64 of `bytes` in parts, kept only for an `inlineOnly` caller. */
  base64?: Uint8Array[]
}

/** Everything a route needs to answer, whichever path produced the images. */
export type GenerationResult = {
  images: GeneratedRecord[]
  /** The public model id that was asked for, after defaults. */
  model: string
  upstreamModel: string
  provider: string
  /** The seed actually used: the upstream's word when it says, else the one sent. */
  seed: number | undefined
  prompt: string
  finalPrompt: string
  promptModel: string | null
  promptNote: string | undefined
  warnings: string[]
  /** Upstream attempts made for this request (0 when served from the store). */
  attempts: number
  elapsedMs: number
  expiresAt: number
  /** True when a seeded request was answered from the store, without an upstream call. */
  cached?: boolean
}
