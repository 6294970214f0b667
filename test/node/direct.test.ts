import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sniffImage } from '../../src/image/sniff.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/** Files in the fs store: one per image (temp files are writes in progress). */
async function storedFiles(gateway: RunningGateway): Promise<string[]> {
  const names = await readdir(join(gateway.dataDir, 'images')).catch(() => [] as string[])
  return names.filter((name) => !name.startsWith('.tmp-'))
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

async function expectErrorImage(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('image/png')
  expect(response.headers.get('x-error-code')).toBe(code)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const bytes = new Uint8Array(await response.arrayBuffer())
  expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE)
  expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 512, height: 256 })
}

describe('direct image API over HTTP (Node, demo provider)', () => {
  let gateway: RunningGateway
  beforeAll(async () => {
    gateway = await startGateway({ RATE_LIMIT: '0', IMAGE_EXPIRATION: '60' })
  })
  afterAll(() => gateway.close())

  it('redirects to an id, serves the PNG, reuses it, and answers 304', async () => {
    const asked = `${gateway.url}/?prompt=a%20red%20fox&size=512x512&optimization=0`
    const first = await fetch(asked, { redirect: 'manual' })
    expect(first.status).toBe(302)
    const target = new URL(first.headers.get('location')!, asked)
    const id = target.searchParams.get('id')
    expect(id).toMatch(/^[A-Za-z0-9_-]{22,64}$/)
    expect(target.searchParams.get('prompt')).toBe('a red fox')
    expect(target.searchParams.get('size')).toBe('512x512')
    expect(target.searchParams.get('optimization')).toBe('0')
    expect(target.pathname).toBe('/')

    const image = await fetch(target)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    const bytes = new Uint8Array(await image.arrayBuffer())
    expect(sniffImage(bytes)).toEqual({ contentType: 'image/png', width: 512, height: 512 })
    const maxAge = Number(/max-age=(\d+)/.exec(image.headers.get('cache-control') ?? '')?.[1])
    expect(maxAge).toBeGreaterThan(0)
    expect(maxAge).toBeLessThanOrEqual(60)

    const before = await storedFiles(gateway)
    expect(before).toContain(`${id}.img`)
    const again = await fetch(target)
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(bytes)
    expect(await storedFiles(gateway)).toEqual(before)

    const etag = image.headers.get('etag')!
    const cached = await fetch(target, { headers: { 'If-None-Match': etag } })
    expect(cached.status).toBe(304)
    expect(await storedFiles(gateway)).toEqual(before)
  })

  it('draws the prompt again under a new id when the stored image is gone', async () => {
    const asked = `${gateway.url}/?prompt=a%20blue%20bird&size=256x256`
    const target = new URL(
      (await fetch(asked, { redirect: 'manual' })).headers.get('location')!,
      asked,
    )
    const oldId = target.searchParams.get('id')!
    await rm(join(gateway.dataDir, 'images', `${oldId}.img`))

    const redone = await fetch(target, { redirect: 'manual' })
    expect(redone.status).toBe(302)
    const next = new URL(redone.headers.get('location')!, target)
    const newId = next.searchParams.get('id')!
    expect(newId).not.toBe(oldId)
    expect(next.searchParams.getAll('id')).toEqual([newId])
    expect(next.searchParams.get('prompt')).toBe('a blue bird')
    expect(await storedFiles(gateway)).toContain(`${newId}.img`)
    // Following redirects, as an <img> does, ends on the image itself.
    const followed = await fetch(target)
    expect(followed.headers.get('content-type')).toBe('image/png')
  })

  it.each([
    ['size=abc', 'size'],
    ['size=99999x1', 'size'],
    ['size=0x0', 'size'],
    ['seed=-2', 'seed'],
    ['steps=1000', 'steps'],
    ['optimization=2', 'optimization'],
  ])('refuses %s with a 400 image, or JSON when asked, and stores nothing', async (bad, param) => {
    const before = await storedFiles(gateway)
    const url = `${gateway.url}/?prompt=fox&${bad}`
    await expectErrorImage(await fetch(url), 400, 'invalid_request')
    const json = await fetch(url, { headers: { Accept: 'application/json' } })
    expect(json.status).toBe(400)
    expect(json.headers.get('content-type')).toContain('application/json')
    expect(await json.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_request', param },
    })
    expect(await storedFiles(gateway)).toEqual(before)
  })

  it('refuses optimization=1 without a prompt (not the welcome page), and a huge prompt', async () => {
    const before = await storedFiles(gateway)
    await expectErrorImage(await fetch(`${gateway.url}/?optimization=1`), 400, 'invalid_prompt')
    // 20 KB: over the 8192-character cap and over Node's default 16 KB request head, which the
    // Node entry raises so the gateway answers in its own shape rather than a bare 431.
    await expectErrorImage(
      await fetch(`${gateway.url}/?prompt=${'a'.repeat(20_000)}`),
      400,
      'string_above_max_length',
    )
    expect(await storedFiles(gateway)).toEqual(before)
  })

  it('answers an unknown model with a 404 image, or JSON when asked', async () => {
    const url = `${gateway.url}/?prompt=fox&model=no-such-model`
    await expectErrorImage(await fetch(url), 404, 'model_not_found')
    const json = await fetch(url, { headers: { Accept: 'application/json' } })
    expect(json.status).toBe(404)
    expect(await json.json()).toMatchObject({ error: { code: 'model_not_found' } })
  })

  it('keeps serving the welcome page at plain GET /', async () => {
    const page = await fetch(`${gateway.url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
  })
})

describe('direct image API with DIRECT_API_ACCESS=key', () => {
  let gateway: RunningGateway
  beforeAll(async () => {
    gateway = await startGateway({ API_KEY: 'client-key-1', DIRECT_API_ACCESS: 'key' })
  })
  afterAll(() => gateway.close())

  it('answers 401 as an image without a key, and JSON when asked', async () => {
    const url = `${gateway.url}/?prompt=fox&size=256x256`
    await expectErrorImage(await fetch(url), 401, 'invalid_api_key')
    const json = await fetch(url, { headers: { Accept: 'application/json' } })
    expect(json.status).toBe(401)
    expect(await json.json()).toMatchObject({ error: { code: 'invalid_api_key' } })
    expect(await storedFiles(gateway)).toEqual([])
  })

  it('generates with ?key= and with a bearer header; the welcome page needs no key', async () => {
    const withQuery = await fetch(`${gateway.url}/?prompt=fox&key=client-key-1`, {
      redirect: 'manual',
    })
    expect(withQuery.status).toBe(302)
    const withHeader = await fetch(`${gateway.url}/?prompt=fox`, {
      redirect: 'manual',
      headers: { Authorization: 'Bearer client-key-1' },
    })
    expect(withHeader.status).toBe(302)
    expect(await storedFiles(gateway)).toHaveLength(2)
    expect((await fetch(`${gateway.url}/`)).status).toBe(200)
  })
})
