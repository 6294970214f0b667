import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answer, type FakeLlm, startFakeLlm } from '../fakes/llm.ts'
import { type FakeSiliconflow, startFakeSiliconflow } from '../fakes/siliconflow.ts'
import { type RunningGateway, startGateway } from './gateway.ts'

/**
 * freefluxapi compatibility end to end over real HTTP, configured with nothing but that
 * script's own variables: IMAGE_API_KEYS and PROCESS_API_KEY (plus the two base URLs, pointed at fakes).
 * Its README's example, `GET /?prompt=一位女孩&size=512x512&optimization=1`, is rewritten to
 * English by the GLM fake, drawn by the SiliconFlow fake, stored, redirected to `id=`, served
 * from the store, and drawn again once it has expired, so a shared link never dies.
 */

const IMAGE_KEY = 'sk-siliconflow-freefluxapi'
const PROCESS_KEY = 'glm-key.freefluxapi'
const REWRITE = 'A young girl with long black hair in soft morning light, detailed portrait'
let siliconflow: FakeSiliconflow
let glm: FakeLlm
let gateway: RunningGateway

beforeAll(async () => {
  siliconflow = await startFakeSiliconflow({ keys: { [IMAGE_KEY]: 'ok' } })
  glm = await startFakeLlm({ flavour: 'glm' })
  gateway = await startGateway({
    IMAGE_API_KEYS: IMAGE_KEY,
    SILICONFLOW_API_BASE: siliconflow.baseUrl,
    PROCESS_API_KEY: PROCESS_KEY,
    PROCESS_API_BASE: `${glm.url}/api/paas/v4`,
  })
})
afterAll(async () => {
  await gateway.close()
  await siliconflow.close()
  await glm.close()
})

const EXAMPLE = `/?prompt=${encodeURIComponent('一位女孩')}&size=512x512&optimization=1`
const generations = () => siliconflow.callsFor(IMAGE_KEY)
const recordPath = (id: string) => join(gateway.dataDir, 'images', `${id}.img`)

/** GETs the direct URL without following, expecting the 302 to `id=`; returns the target. */
async function redirected(url: string): Promise<{ target: URL; id: string }> {
  const response = await fetch(url, { redirect: 'manual' })
  expect(response.status, await response.clone().text()).toBe(302)
  const target = new URL(response.headers.get('location')!, url)
  return { target, id: target.searchParams.get('id')! }
}

async function imageBytes(target: URL): Promise<Uint8Array> {
  const response = await fetch(target, { redirect: 'manual' })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('image/png')
  return new Uint8Array(await response.arrayBuffer())
}

/**
 * Marks a stored record as expired, in the fs store's own format (4-byte header length, JSON
 * header holding the metadata, then the bytes): the state of an expired image the sweeper has
 * not removed yet. The gateway's expiry check, not a missing file, must make it regenerate.
 */
async function expire(id: string): Promise<void> {
  const record = await readFile(recordPath(id))
  const length = record.readUInt32BE(0)
  const header = JSON.parse(record.subarray(4, 4 + length).toString('utf8'))
  header.meta.expiresAt = Date.now() - 1_000
  const json = Buffer.from(JSON.stringify(header))
  const prefix = Buffer.alloc(4)
  prefix.writeUInt32BE(json.length)
  await writeFile(recordPath(id), Buffer.concat([prefix, json, record.subarray(4 + length)]))
}

describe("freefluxapi's README example", () => {
  let first: { target: URL; id: string }

  it('rewrites the prompt through GLM, draws 512x512 on SiliconFlow, and redirects to id=', async () => {
    glm.respondWith(answer(REWRITE))
    first = await redirected(`${gateway.url}${EXAMPLE}`)
    expect(first.id).toMatch(/^[A-Za-z0-9_-]{22,64}$/)
    expect(first.target.searchParams.get('prompt')).toBe('一位女孩')

    expect(glm.calls).toHaveLength(1)
    expect(glm.calls[0]!.authorization).toBe(`Bearer ${PROCESS_KEY}`)
    expect(glm.calls[0]!.body.model).toBe('glm-4-flash')
    expect(glm.calls[0]!.body.messages.at(-1)).toEqual({ role: 'user', content: '一位女孩' })

    expect(generations()).toBe(1)
    expect(siliconflow.bodies()[0]).toMatchObject({
      model: 'black-forest-labs/FLUX.1-schnell',
      prompt: REWRITE,
      image_size: '512x512',
    })
    expect(await imageBytes(first.target)).toEqual(siliconflow.served[0])
  })

  it('serves the redirected URL again from the store, with no upstream call', async () => {
    const bytes = await imageBytes(first.target)
    expect(bytes).toEqual(siliconflow.served[0])
    expect(generations()).toBe(1)
    expect(glm.calls).toHaveLength(1)
  })

  it('draws the image again once it has expired (record still on disk)', async () => {
    await expire(first.id)
    const again = await redirected(first.target.href)
    expect(again.id).not.toBe(first.id)
    // The old id is replaced in the URL, every other parameter kept.
    expect(again.target.searchParams.getAll('id')).toEqual([again.id])
    expect(again.target.searchParams.get('size')).toBe('512x512')
    expect(generations()).toBe(2)
    expect(siliconflow.bodies()[1]).toMatchObject({ prompt: REWRITE, image_size: '512x512' })
    expect(await imageBytes(again.target)).toEqual(siliconflow.served.at(-1))
    first = again
  })

  it('draws it again when the sweeper has already deleted the expired file', async () => {
    await rm(recordPath(first.id))
    const again = await redirected(first.target.href)
    expect(generations()).toBe(3)
    expect(await imageBytes(again.target)).toEqual(siliconflow.served.at(-1))
  })

  it('translates a Chinese prompt to English without optimization=1', async () => {
    glm.respondWith(answer('A girl'))
    const url = `${gateway.url}/?prompt=${encodeURIComponent('一位女孩')}&size=512x512`
    await redirected(url)
    expect(glm.calls.at(-1)!.body.messages.at(-1)!.content).toBe('一位女孩')
    expect(siliconflow.bodies().at(-1)).toMatchObject({ prompt: 'A girl', image_size: '512x512' })
  })
})
