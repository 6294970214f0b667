import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import { Catalogue } from '../pool/catalogue.ts'
import { buildProviders } from '../providers/build.ts'
import { isImageKey } from '../storage/keys.ts'
import {
  canonicalJson,
  contentAddress,
  contentSecret,
  type DeterministicRequest,
  imageKeys,
  secretMaterial,
} from './content-key.ts'

const REQUEST: DeterministicRequest = {
  model: 'flux-schnell',
  prompt: 'a red fox',
  rewrite: 'none',
  size: { width: 1024, height: 1024 },
  steps: 4,
  seed: 42,
  negativePrompt: null,
  n: 1,
}

function materialFor(env: Record<string, string>) {
  const config = loadConfig(env)
  return secretMaterial(config, new Catalogue(buildProviders(config, {})))
}

const address = async (request: DeterministicRequest, material = 'secret') =>
  contentAddress(await contentSecret(material), request)

describe('content addresses', () => {
  it('gives the same request the same 43-character address, a valid image key', async () => {
    const first = await address(REQUEST)
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await address({ ...REQUEST })).toBe(first)
    for (const key of imageKeys(first, 4)) expect(isImageKey(key), key).toBe(true)
    expect(imageKeys(first, 2)).toEqual([`${first}0`, `${first}1`])
  })

  it('changes with every field that changes the picture', async () => {
    const base = await address(REQUEST)
    const variants: Partial<DeterministicRequest>[] = [
      { model: 'flux-dev' },
      { prompt: 'a red fox ' },
      { rewrite: 'optimize' },
      { size: { width: 1024, height: 768 } },
      { size: null },
      { steps: 5 },
      { seed: 43 },
      { negativePrompt: 'blur' },
      { n: 2 },
    ]
    const addresses = await Promise.all(variants.map((v) => address({ ...REQUEST, ...v })))
    expect(new Set([base, ...addresses]).size).toBe(variants.length + 1)
  })

  it('does not depend on the order fields were written in', () => {
    const reordered = Object.fromEntries(Object.entries(REQUEST).reverse()) as DeterministicRequest
    expect(canonicalJson(reordered)).toBe(canonicalJson(REQUEST))
  })

  it('depends on the secret, so it cannot be computed without the configured keys', async () => {
    expect(await address(REQUEST, 'one deployment')).not.toBe(await address(REQUEST, 'another'))
  })

  it('derives the secret from every configured key, independent of their order', () => {
    const material = materialFor({ IMAGE_API_KEYS: 'k1,k2', API_KEY: 'client' })
    expect(material).toContain('k1')
    expect(material).toContain('client')
    expect(materialFor({ IMAGE_API_KEYS: 'k2,k1', API_KEY: 'client' })).toBe(material)
    expect(materialFor({ IMAGE_API_KEYS: 'k1,k3', API_KEY: 'client' })).not.toBe(material)
    // Nothing configured (the demo): a fixed, non-empty secret, which HMAC accepts.
    expect(materialFor({}).length).toBeGreaterThan(0)
  })
})
