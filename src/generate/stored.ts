import type { ImageMeta, ImageStore, StoredImage } from '../storage/types.ts'
import type { DrawnImages, PromptedImage } from './run.ts'
import type { Gateway } from './types.ts'

/**
 * A seeded request answered from the store: its images under their content keys, if every one
 * of them is there and alive, with the prompt they were drawn from. Null on any miss (or a
 * store error: the upstream can still draw it), in which case the caller generates and stores
 * them under the same keys.
 */
export async function readStored(
  gateway: Gateway,
  keys: string[],
): Promise<{ prompted: PromptedImage; drawn: DrawnImages } | null> {
  const { storage, now } = gateway
  if (!storage) return null
  const lifetime = gateway.config.imageExpirationSeconds * 1000
  const found: { key: string; meta: ImageMeta; bytes: Uint8Array }[] = []
  // One at a time: a miss then leaves no other image's file handle or stream open.
  for (const key of keys) {
    const image = await storage.get(key).catch(() => null)
    if (!image) return null
    const bytes = await readBody(image).catch(() => null)
    if (!bytes) return null
    found.push({
      key,
      meta: await refreshed(storage, key, image.meta, bytes, now(), lifetime),
      bytes,
    })
  }
  const first = found[0]?.meta
  if (!first) return null
  const prompted: PromptedImage = {
    prompt: first.finalPrompt,
    promptModel: first.promptModel ?? null,
    size: { width: first.width, height: first.height },
  }
  const drawn: DrawnImages = {
    images: found.map(({ key, meta, bytes }) => ({
      contentType: meta.contentType,
      width: meta.width,
      height: meta.height,
      bytes,
      key,
    })),
    upstreamModel: first.model,
    provider: first.provider,
    seed: first.seed,
    warnings: [],
    attempts: 0,
    expiresAt: Math.min(...found.map(({ meta }) => meta.expiresAt)),
    cached: true,
  }
  return { prompted, drawn }
}

async function readBody(image: StoredImage): Promise<Uint8Array> {
  if (image.body instanceof Uint8Array) return image.body
  return new Uint8Array(await new Response(image.body).arrayBuffer())
}

/**
 * An image handed out again is kept alive again, so a URL given now lives at least half of
 * IMAGE_EXPIRATION. Rewriting only past half its life bounds the writes per key (Workers KV
 * allows one write per second per key; a popular seeded URL would otherwise rewrite on every hit).
 */
async function refreshed(
  storage: ImageStore,
  key: string,
  meta: ImageMeta,
  bytes: Uint8Array,
  now: number,
  lifetime: number,
): Promise<ImageMeta> {
  if (meta.expiresAt - now >= lifetime / 2) return meta
  const renewed = { ...meta, expiresAt: now + lifetime }
  try {
    await storage.put(key, bytes, renewed)
    return renewed
  } catch {
    return meta // still served; it just keeps its old expiry
  }
}
