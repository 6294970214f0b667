/**
 * The same-job floor for the Worker (bench/worker.bench.ts): a chat completion done by the
 * simplest fast module Worker, with nothing the job does not need (no router, validation,
 * failover, logging). Per request: read the chat JSON, one call to the Workers AI REST API
 * (CF_API_BASE, CF_ACCOUNT_ID, CF_API_TOKEN), cut the base64 out of the reply without parsing
 * it, decode it natively, check it is a whole JPEG, store it in the KV namespace `IMAGES` the
 * way the gateway does (a fresh 128-bit key, IMAGE_EXPIRATION as TTL and in the metadata), and
 * answer the small chat JSON with its link. Plain JavaScript: workerd loads it as it is.
 */

const MODEL = '@cf/black-forest-labs/flux-1-schnell'
const KEY = '"image":"'

/** 16 random bytes as unpadded base64url: 22 characters. */
function newKey() {
  return crypto
    .getRandomValues(new Uint8Array(16))
    .toBase64({ alphabet: 'base64url', omitPadding: true })
}

export default {
  async fetch(request, env) {
    const { messages, model } = await request.json()
    const prompt = String(messages.at(-1).content)
    const upstream = await fetch(
      `${env.CF_API_BASE}/accounts/${env.CF_ACCOUNT_ID}/ai/run/${MODEL}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${env.CF_API_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ prompt, steps: 4, seed: Math.floor(Math.random() * 2 ** 31) }),
      },
    )
    const reply = await upstream.text()
    const start = reply.indexOf(KEY) + KEY.length
    const end = reply.indexOf('"', start)
    if (!upstream.ok || start < KEY.length || end < 0) {
      return Response.json({ error: { message: 'upstream failed' } }, { status: 502 })
    }
    const image = Uint8Array.fromBase64(reply.slice(start, end))
    const last = image.length - 1
    if (
      image[0] !== 0xff ||
      image[1] !== 0xd8 ||
      image[last - 1] !== 0xff ||
      image[last] !== 0xd9
    ) {
      return Response.json({ error: { message: 'not a whole JPEG' } }, { status: 502 })
    }
    const key = newKey()
    const ttl = Number(env.IMAGE_EXPIRATION ?? 1800)
    await env.IMAGES.put(key, image, {
      expirationTtl: ttl,
      metadata: { contentType: 'image/jpeg', expiresAt: Date.now() + ttl * 1000 },
    })
    const url = `${new URL(request.url).origin}/image/${key}`
    return Response.json({
      id: `chatcmpl-${key}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: `![${prompt}](${url})` },
          finish_reason: 'stop',
        },
      ],
    })
  },
}
