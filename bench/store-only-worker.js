/**
 * What bench/worker.bench.ts subtracts to read its ratios without the simulator: workerd's HTTP
 * handling and Miniflare's KV (a Durable Object with SQLite and blob files, a few ms of the
 * workerd process per 300 KB put, where a deployed Worker's KV write costs it next to no CPU).
 * Per request: read the body, store an image of the upstream's size under a fresh key as the floor does, answer
 * a small JSON. No upstream call, no decoding.
 */

/** The image's size comes with the request's env (BENCH_IMAGE_BYTES), so it is made on first use. */
let image

export default {
  async fetch(request, env) {
    await request.text()
    const key = crypto
      .getRandomValues(new Uint8Array(16))
      .toBase64({ alphabet: 'base64url', omitPadding: true })
    const ttl = Number(env.IMAGE_EXPIRATION ?? 1800)
    image ??= new Uint8Array(Number(env.BENCH_IMAGE_BYTES))
    await env.IMAGES.put(key, image, {
      expirationTtl: ttl,
      metadata: { contentType: 'image/jpeg', expiresAt: Date.now() + ttl * 1000 },
    })
    return Response.json({ key })
  },
}
