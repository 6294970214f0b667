import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import type { RequestLogLine } from '../middleware/request-log.ts'
import { Catalogue } from '../pool/catalogue.ts'
import { buildProviders } from '../providers/build.ts'
import { createMetrics } from './metrics.ts'

const line = (fields: Partial<RequestLogLine>): RequestLogLine => ({
  time: new Date(0).toISOString(),
  id: 'id',
  method: 'POST',
  route: '/v1/images/generations',
  path: '/v1/images/generations',
  status: 200,
  ms: 1500,
  ...fields,
})

/** The value of a sample line that starts with `prefix` (metric name and labels as rendered). */
const sampleValue = (text: string, prefix: string) =>
  Number(
    text
      .split('\n')
      .find((row) => row.startsWith(prefix))
      ?.split(' ')
      .at(-1),
  )

describe('createMetrics', () => {
  it('counts a request logged as cached as a seeded cache hit, not a generation', async () => {
    const config = loadConfig({})
    const metrics = createMetrics({ catalogue: new Catalogue(buildProviders(config, {})) })
    metrics.observe(line({ provider: 'demo', attempts: 1, cached: false }))
    metrics.observe(line({ provider: 'demo', attempts: 0, cached: true }))
    metrics.observe(line({ provider: 'demo', attempts: 0, cached: true }))
    const text = await metrics.render()
    expect(sampleValue(text, 'fluxgate_cache_hits_total{source="seeded"}')).toBe(2)
    expect(
      sampleValue(
        text,
        'fluxgate_generation_duration_seconds_count{route="/v1/images/generations",provider="demo"}',
      ),
    ).toBe(1)
  })

  it('counts images a store dropped before they expired, by store', async () => {
    const metrics = createMetrics({ catalogue: new Catalogue(buildProviders(loadConfig({}), {})) })
    metrics.onImageDropped('memory')
    metrics.onImageDropped('memory')
    metrics.onImageDropped('redis')
    const text = await metrics.render()
    expect(sampleValue(text, 'fluxgate_images_dropped_total{store="memory"}')).toBe(2)
    expect(sampleValue(text, 'fluxgate_images_dropped_total{store="redis"}')).toBe(1)
  })
})
