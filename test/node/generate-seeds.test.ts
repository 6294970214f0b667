import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { generateImages } from '../../src/generate/index.ts'
import { Catalogue } from '../../src/pool/catalogue.ts'
import { buildProviders } from '../../src/providers/build.ts'
import { MAX_SEED } from '../../src/request/fields.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import { type FakeSiliconflow, startFakeSiliconflow } from '../fakes/siliconflow.ts'

/**
 * A seeded request for more images than the model draws per call is split into parallel calls
 * with offset seeds (FLUX.1-schnell on SiliconFlow draws one image per call).
 */

let fake: FakeSiliconflow | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function seedsSentFor(seed: number, n: number): Promise<unknown[]> {
  fake = await startFakeSiliconflow()
  const config = loadConfig({
    STORAGE: 'memory',
    IMAGE_API_KEYS: 'good',
    SILICONFLOW_API_BASE: fake.baseUrl,
  })
  const catalogue = new Catalogue(buildProviders(config, {}), config.defaultModel)
  const gateway = { config, storage: memoryStorage(), catalogue, fetch, now: Date.now }
  const result = await generateImages(gateway, {
    prompt: 'a lighthouse',
    n,
    seed,
    signal: new AbortController().signal,
  })
  expect(result.images).toHaveLength(n)
  return fake
    .bodies()
    .map((body) => body.seed)
    .sort((a, b) => Number(a) - Number(b))
}

describe('seeds of a seeded request split over calls', () => {
  it('sends the largest seed as asked and wraps the next one to 0', async () => {
    expect(await seedsSentFor(MAX_SEED, 2)).toEqual([0, MAX_SEED])
  })

  it('sends consecutive seeds from the one asked', async () => {
    expect(await seedsSentFor(7, 3)).toEqual([7, 8, 9])
  })
})
