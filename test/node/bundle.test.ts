import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Miniflare, type MiniflareOptions } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildWorker, WORKER_GZIP_BUDGET, type WorkerBuild } from '../../scripts/build-worker.ts'
import { sniffImage } from '../../src/image/sniff.ts'

/**
 * The single-file Worker a person pastes into the dashboard, loaded as it is by workerd (through
 * Miniflare) with nothing but the bindings the README asks for and no nodejs_compat.
 */

let dir: string
let bundle: WorkerBuild

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fluxgate-bundle-'))
  bundle = await buildWorker({ outfile: join(dir, 'worker.js') })
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Starts workerd on the bundle; `options` adds bindings. */
async function load(options: Partial<MiniflareOptions> = {}): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundle.outfile,
    modulesRoot: dir, // module names are relative to it; the default (cwd) is outside tmp
    compatibilityDate: '2026-04-01',
    kvNamespaces: ['IMAGES'],
    ...options,
  } as MiniflareOptions)
  await mf.ready
  return mf
}

/** A demo chat completion; returns the image URL and key from the markdown reply. */
async function chat(mf: Miniflare, prompt: string) {
  const response = await mf.dispatchFetch('http://gw.test/v1/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: prompt }] }),
  })
  expect(response.status).toBe(200)
  const reply = (await response.json()) as { choices: { message: { content: string } }[] }
  const match = /\]\((http:\/\/gw\.test\/image\/([\w-]+))\)/.exec(reply.choices[0]!.message.content)
  expect(match, reply.choices[0]!.message.content).not.toBeNull()
  return { url: match![1]!, key: match![2]! }
}

async function fetchImage(mf: Miniflare, url: string) {
  const response = await mf.dispatchFetch(url)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('image/png')
  return sniffImage(new Uint8Array(await response.arrayBuffer()))
}

describe('dist/worker.js', () => {
  it('is one ES module within the size budget, with no Node imports left in it', async () => {
    const code = await readFile(bundle.outfile, 'utf8')
    expect(bundle.rawBytes).toBe(Buffer.byteLength(code))
    expect(bundle.gzipBytes).toBeGreaterThan(10_000)
    expect(bundle.gzipBytes).toBeLessThanOrEqual(WORKER_GZIP_BUDGET)
    expect(code).toMatch(/^\/\/ fluxgate \d+\.\d+\.\d+ for Cloudflare Workers/)
    expect(code).toMatch(/export\s*\{[^}]*\bas default\b/)
    // Self-contained: nothing left for the dashboard to resolve but workerd's own module, whose
    // `env` builds the app at start-up (src/runtime/worker-start.ts).
    const imports = code.match(/(?:^|[;}])\s*import\s*[{*"'][^;]*|\bimport\s*\(/gm) ?? []
    expect(imports.map((statement) => statement.replace(/^[;}]\s*/, ''))).toEqual([
      expect.stringMatching(/^import\s*\{\s*env as \w+\s*\}\s*from\s*"cloudflare:workers"$/),
    ])
    expect(code).not.toMatch(/["']node:[\w/]+["']/)
  })

  describe('with only KV bound', () => {
    let mf: Miniflare
    beforeAll(async () => {
      mf = await load()
    }, 30_000)
    afterAll(async () => {
      await mf?.dispose()
    })

    it('serves the welcome page, the playground and health', async () => {
      const page = await mf.dispatchFetch('http://gw.test/')
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await page.text()).toContain('fluxgate is running')
      const gui = await mf.dispatchFetch('http://gw.test/gui/')
      expect(gui.status).toBe(200)
      expect(await gui.text()).toMatch(/<form[\s>]/)
      const health = await mf.dispatchFetch('http://gw.test/healthz')
      expect(await health.json()).toMatchObject({ status: 'ok', storage: 'kv' })
    })

    it('answers a demo chat completion and serves its image from KV', async () => {
      const { url, key } = await chat(mf, 'a lighthouse at dusk 16:9')
      const kv = await mf.getKVNamespace('IMAGES')
      expect(await kv.get(key, 'arrayBuffer')).not.toBeNull()
      expect(await fetchImage(mf, url)).toEqual({
        contentType: 'image/png',
        width: 1024,
        height: 576,
      })
    })
  })

  it('stores images in R2 instead when IMAGES_BUCKET is bound next to KV', async () => {
    const mf = await load({ r2Buckets: ['IMAGES_BUCKET'] })
    try {
      const health = await mf.dispatchFetch('http://gw.test/healthz')
      expect(await health.json()).toMatchObject({ storage: 'r2' })
      const { url, key } = await chat(mf, 'a red fox 3:2')
      const bucket = await mf.getR2Bucket('IMAGES_BUCKET')
      expect((await bucket.head(key))?.customMetadata?.width).toBe('768')
      expect(await (await mf.getKVNamespace('IMAGES')).get(key)).toBeNull()
      expect((await fetchImage(mf, url))?.width).toBe(768)
    } finally {
      await mf.dispose()
    }
  })
})

describe('buildWorker', () => {
  it('fails, naming the file, when a node: import reaches the Worker', async () => {
    const entry = join(dir, 'leaky.ts')
    await writeFile(
      entry,
      "import { readFileSync } from 'node:fs'\nexport default { fetch: () => new Response(String(readFileSync)) }\n",
    )
    await expect(buildWorker({ entry, outfile: join(dir, 'leaky.js') })).rejects.toThrow(
      /Node-only import 'node:fs' in .*leaky\.ts/,
    )
  })

  it('fails on a bare Node built-in too', async () => {
    const entry = join(dir, 'bare.ts')
    await writeFile(
      entry,
      "import { join } from 'path'\nexport default { fetch: () => new Response(join('a')) }\n",
    )
    await expect(buildWorker({ entry, outfile: join(dir, 'bare.js') })).rejects.toThrow(
      /Could not resolve "path"/,
    )
  })

  it('fails over budget and names the largest inputs', async () => {
    const build = buildWorker({ outfile: join(dir, 'small.js'), budget: 20_000 })
    await expect(build).rejects.toThrow(/over the budget of 20\.0 kB gzipped[\s\S]*hono/)
  })
})
