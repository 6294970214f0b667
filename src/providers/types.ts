import type { ProviderEntry } from '../config.ts'
import type { ImageFormat } from '../request/fields.ts'

/**
 * What a model can be asked for. Requests are fitted to this before a provider sees them
 * (providers/fit.ts), so provider code never branches on another model's quirks.
 */
export type ModelCapabilities = {
  /**
   * Output size control. `null`: the model takes no size (its real output size is read from the
   * image). Otherwise width and height are each clamped to [min, max] and rounded to `multiple`.
   */
  size: { min: number; max: number; multiple: number; maxPixels?: number } | null
  /**
   * The only sizes the model accepts (OpenAI's dall-e-3, gpt-image-1), when it takes a fixed set:
   * a request gets the one closest in aspect ratio, then in area. Needs `size` (their range).
   */
  sizes?: { width: number; height: number }[]
  /** Size used when the request names none. */
  defaultSize: { width: number; height: number }
  /** Step control; `null` when the model runs a fixed schedule. */
  steps: { min: number; max: number; default: number } | null
  seed: boolean
  negativePrompt: boolean
  /** Longest prompt in characters the upstream accepts. */
  maxPromptLength: number
  /** How many images one upstream call can return; more are made in parallel calls. */
  maxImagesPerCall: number
  /** Image input (edits, references); absent when the model draws from text only. */
  input?: InputCapabilities
  /**
   * The formats it gives. With several, the provider asks for `ImageRequest.outputFormat`; one is
   * the model's fixed format. Absent: not known in advance, so a request naming a format does
   * not run here. Each image is sniffed, and one in another format fails the attempt.
   */
  outputFormats?: readonly ImageFormat[]
  /** Can draw on a transparent background (`background: "transparent"`); FLUX cannot. */
  transparentBackground?: boolean
}

/** What a model takes besides text. */
export type InputCapabilities = {
  /** Most input images one call takes (FLUX.1 Kontext: 1; FLUX.2 [pro]: 8). */
  maxImages: number
  /** Takes a mask (transparent = may change) with the first image: inpainting. */
  mask: boolean
  /** Cannot draw without an input image (FLUX.1 Fill, Kontext [dev] on some hosts). */
  editOnly: boolean
}

/** An input image after the gateway has read and sniffed it; providers send it in their format. */
export type InputImage = {
  bytes: Uint8Array
  contentType: 'image/png' | 'image/jpeg' | 'image/webp'
  width: number
  height: number
}

/** One model a provider serves. */
export type ModelSpec = {
  /** The upstream's own id, e.g. `@cf/black-forest-labs/flux-1-schnell`. */
  id: string
  /** Public ids that route here, e.g. `flux-schnell`. The first is the one listed in /v1/models. */
  publicIds: string[]
  capabilities: ModelCapabilities
}

/** A request after fitting: every field is one the model accepts. */
export type ImageRequest = {
  prompt: string
  negativePrompt?: string
  /** Absent when the model takes no size. */
  width?: number
  height?: number
  steps?: number
  seed?: number
  /** Images wanted from this one call, <= maxImagesPerCall. */
  n: number
  /** Input images, only for models whose capabilities take them, at most `input.maxImages`. */
  images?: InputImage[]
  /** Only for models with `input.mask`; applies to the first image. */
  mask?: InputImage
  /** The format asked for, one of the model's `outputFormats`; absent: the upstream's default. */
  outputFormat?: ImageFormat
}

export type GeneratedImage = {
  bytes: Uint8Array
  /** The upstream's claim; the gateway sniffs the bytes and trusts those. */
  mediaType?: string
  /**
   * The upstream's base64 text of `bytes` (ASCII bytes), when it sent the image that way in the
   * standard padded spelling (base64-canonical.ts): a `b64_json` reply sends it on as it is. In
   * parts, in order, when the reply arrived in several (views of its socket's chunks).
   */
  base64?: Uint8Array[]
}

export type GenerateResult = {
  images: GeneratedImage[]
  /** The seed the upstream reports having used, when it says. */
  seed?: number
}

/** Everything a provider call may use, besides the request itself. */
export type CallContext = {
  model: ModelSpec
  /** The target's credential; `null` for keyless backends. */
  key: string | null
  /** Aborts on client disconnect, attempt timeout or request deadline. Pass to every fetch. */
  signal: AbortSignal
  fetch: typeof fetch
  /** Human-readable progress for streaming clients (queued, polling, downloading). */
  onProgress?: (message: string) => void
}

/** One configured upstream (a PROVIDERS entry or legacy variables), shared by its keys. */
export interface ImageProvider {
  /** Provider type, the folder name: `workers-ai`, `siliconflow`, `demo`, ... */
  readonly type: string
  /** Distinguishes several entries of one type in errors, status and logs, e.g. `openai-2`. */
  readonly name: string
  readonly models: ModelSpec[]
  /** Throws GatewayError with `upstream` set on any failure (see providers/http.ts). */
  generate(request: ImageRequest, context: CallContext): Promise<GenerateResult>
}

/** Runtime objects a provider may use in place of HTTP, such as the Workers `AI` binding. */
export type ProviderBindings = {
  ai?: AiBinding
}

/** The subset of the Workers AI binding the gateway uses. */
export interface AiBinding {
  run(model: string, inputs: unknown, options?: Record<string, unknown>): Promise<unknown>
}

/** What providers/build.ts hands a provider type when it makes one entry's provider. */
export type ProviderSetup = {
  /** The name its errors, logs and /v1/status use: `openai`, `openai-2` for a second entry. */
  name: string
  bindings: ProviderBindings
}

/** A provider type: one folder under providers/ and one line in providers/index.ts. */
export interface ProviderModule {
  readonly type: string
  /** True for keyless backends (demo, self-hosted); others need at least one key. */
  readonly keyless?: boolean
  /** `outputFormats` of every model of this type whose capabilities declare none. */
  readonly outputFormats?: readonly ImageFormat[]
  /** An entry's name before numbering, when it is not the type (`workers-ai-binding`). */
  baseName?(entry: ProviderEntry): string
  /** Throws an Error naming the bad setting (options are read with providers/options.ts). */
  create(entry: ProviderEntry, setup: ProviderSetup): ImageProvider
}
