import { encodeBase64Url } from '../bytes/base64.ts'
import type { Config } from '../config.ts'
import type { Catalogue, ResolvedModel } from '../pool/catalogue.ts'
import { fitRequest } from '../providers/fit.ts'
import type { Job } from './run.ts'
import type { Gateway } from './types.ts'

/**
 * Content addresses for seeded requests: the same request gets the same
 * storage key, so its image is served from the store and identical requests can share one
 * upstream call.
 *
 * The address is an HMAC-SHA-256, not a bare SHA-256, of the request. `/image/{key}` needs no
 * client key because keys are unguessable; a bare hash of (prompt, seed, ...) could be computed
 * by anyone who can guess a request. The HMAC secret is derived from the configured keys, which
 * every instance and Worker isolate of one deployment shares, so addresses stay stable across
 * restarts and instances while outsiders cannot compute them. A deployment with no key at all
 * (the offline demo) falls back to a fixed secret: there is nothing to protect there.
 */

/** The fields that decide a seeded request's images, after defaults and fitting. */
export type DeterministicRequest = {
  /** The public model id as resolved (`flux-schnell`, not the alias the client sent). */
  model: string
  /**
   * The prompt as the client wrote it (options already taken out), not the prepared one: an
   * LLM rewrite differs on every call, so keying on it would make optimized requests miss.
   */
  prompt: string
  /** How the prompt is prepared before the upstream sees it. */
  rewrite: 'none' | 'translate' | 'optimize'
  /** The fitted size; null when the model picks its own. */
  size: { width: number; height: number } | null
  /** The fitted steps; null when the model runs a fixed schedule. */
  steps: number | null
  seed: number
  negativePrompt: string | null
  n: number
  /** SHA-256 of each input image, for edits only (absent keeps text-to-image addresses as they were). */
  images?: string[]
  /** SHA-256 of the mask, when there is one. */
  mask?: string
  /** The format asked for (absent when none was, keeping earlier addresses as they were). */
  format?: string
}

/**
 * The fields of a seeded request that decide its images: size and steps fitted to the model's
 * first route (so "no size" and the default size are one request), the seed and negative
 * prompt as asked, and how the prompt will be prepared.
 */
export function deterministicRequest(
  gateway: Pick<Gateway, 'config' | 'preparePrompt'>,
  resolved: ResolvedModel,
  input: Job['input'] & { seed: number },
): DeterministicRequest {
  const fitted = fitRequest(input, resolved.routes[0]!.model.capabilities)
  const translate = gateway.preparePrompt !== undefined && gateway.config.translatePrompts
  return {
    model: resolved.id,
    prompt: input.prompt,
    rewrite: input.optimize ? 'optimize' : translate ? 'translate' : 'none',
    size: fitted.size,
    steps: fitted.request.steps ?? null,
    seed: input.seed,
    negativePrompt: input.negativePrompt ?? null,
    n: input.n,
    ...(input.outputFormat && { format: input.outputFormat }),
  }
}

/** The digests that put an edit's input images into its address. */
export async function inputDigests(
  inputs: Job['inputs'],
): Promise<Pick<DeterministicRequest, 'images' | 'mask'>> {
  if (!inputs) return {}
  const images = await Promise.all(inputs.images.map((image) => digest(image.bytes)))
  return inputs.mask ? { images, mask: await digest(inputs.mask.bytes) } : { images }
}

async function digest(bytes: Uint8Array): Promise<string> {
  return encodeBase64Url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)),
  )
}

/** Bumped whenever the fields or their meaning change, so old addresses are never reused. */
const VERSION = 'fluxgate-content-key/1'

/** The request as canonical JSON: a version tag, then the fields with keys sorted. */
export function canonicalJson(request: DeterministicRequest): string {
  const { size, ...rest } = request
  const flat = { ...rest, width: size?.width ?? null, height: size?.height ?? null }
  const sorted = Object.fromEntries(Object.entries(flat).sort(([a], [b]) => (a < b ? -1 : 1)))
  return JSON.stringify([VERSION, sorted])
}

/** Every secret in the configuration, in a stable order; never logged or returned. */
export function secretMaterial(config: Config, catalogue: Catalogue): string {
  const keys = [
    ...config.clientKeys,
    ...catalogue.targets.map((target) => target.key ?? ''),
    config.optimizer.external?.apiKey ?? '',
    config.optimizer.process?.apiKey ?? '',
  ]
  return [VERSION, ...[...new Set(keys)].filter(Boolean).sort()].join('\n')
}

/** The HMAC key for content addresses, imported once per gateway. */
export function contentSecret(material: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(material),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
}

/** The 43-character address (256 bits, base64url) of a request. */
export async function contentAddress(
  secret: CryptoKey,
  request: DeterministicRequest,
): Promise<string> {
  const data = new TextEncoder().encode(canonicalJson(request))
  return encodeBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', secret, data)))
}

/** One storage key per image: the address plus the image's index (44 characters for n <= 4). */
export const imageKeys = (address: string, n: number): string[] =>
  Array.from({ length: n }, (_, index) => `${address}${index}`)
