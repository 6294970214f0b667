import { describe, expect, it } from 'vitest'
import { encodePng } from '../../src/image/png.ts'
import { closedAfterEach, gatewayFor } from '../contracts/provider.ts'
import { startFakeBfl } from '../fakes/bfl.ts'
import { startFakeFal } from '../fakes/fal.ts'
import { base64Of, pngDataUri } from '../fakes/input-images.ts'
import { startFakeTogether } from '../fakes/together.ts'

/**
 * An edit fails over like any generation: one public id (`flux-kontext-pro`) served by several
 * hosts, each sent the same image in its own protocol, and a failing first host costs only its
 * own attempt.
 */

const track = closedAfterEach()
const photo = await encodePng(40, 30, new Uint8Array(40 * 30 * 3).fill(150))

describe('edit failover', () => {
  it('moves a Kontext edit from a failing BFL to Together, each in its own protocol', async () => {
    const bfl = track(await startFakeBfl({ keys: { broken: 'server-error' } }))
    const together = track(await startFakeTogether())
    const { generate, catalogue } = gatewayFor([
      { type: 'bfl', keys: ['broken'], baseUrl: bfl.url, priority: 2 },
      { type: 'together', keys: ['tgp_v1_good-key-000'], baseUrl: together.baseUrl, priority: 1 },
    ])
    const result = await generate({ model: 'flux-kontext-pro', images: [{ bytes: photo }] })
    expect(result).toMatchObject({ provider: 'together', attempts: 2 })
    expect(bfl.submissions()[0]?.body.input_image).toBe(base64Of(photo))
    expect(together.bodies()[0]?.image_url).toBe(pngDataUri(photo))
    expect(catalogue.targets[0]!.health.lastError).toMatch(/server error \(HTTP 500\)/)
  })

  it('skips a host whose model cannot take the edit, without calling it', async () => {
    const fal = track(await startFakeFal({ mode: 'sync' }))
    const together = track(await startFakeTogether())
    const { generate } = gatewayFor([
      // Together's Kontext reads one image, fal's up to four: two images go to fal only.
      { type: 'together', keys: ['tgp_v1_good-key-000'], baseUrl: together.baseUrl, priority: 2 },
      { type: 'fal', keys: ['good'], baseUrl: fal.url, options: { mode: 'sync' }, priority: 1 },
    ])
    const images = [{ bytes: photo }, { bytes: photo }]
    const result = await generate({ model: 'flux-kontext-pro', images })
    expect(result).toMatchObject({ provider: 'fal', attempts: 1 })
    expect(fal.endpoints()).toEqual(['fal-ai/flux-pro/kontext/multi'])
    expect(together.bodies()).toEqual([])
  })
})
