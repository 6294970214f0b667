import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { type Gateway, generateImages } from '../../src/generate/index.ts'
import { Catalogue, type Target } from '../../src/pool/catalogue.ts'
import { buildProviders } from '../../src/providers/build.ts'
import type { ProviderBindings } from '../../src/providers/types.ts'
import { memoryStorage } from '../../src/storage/memory.ts'
import type { FakeWorkersAi } from '../fakes/workers-ai.ts'

/**
 * A gateway for the workers-ai tests: config from `env` pointed at the fake, the catalogue and
 * memory store shared by `generateImages` (the one generation path) and the Hono app (for
 * `GET /image/{key}` and `/v1/status`), so both see the same targets and images.
 */

export const ACCOUNTS = { acc1: 'token-one-secret', acc2: 'token-two-secret' }
export const oneAccount = { CF_ACCOUNT_ID: 'acc1', CF_API_TOKEN: ACCOUNTS.acc1 }
/** acc1 is tried first (priority 1), acc2 is its failover. */
export const twoAccounts = {
  PROVIDERS: JSON.stringify([
    { type: 'workers-ai', keys: [`acc1:${ACCOUNTS.acc1}`], priority: 1 },
    { type: 'workers-ai', keys: [`acc2:${ACCOUNTS.acc2}`] },
  ]),
}

export function workersAiGateway(
  fake: FakeWorkersAi,
  env: Record<string, string>,
  bindings: ProviderBindings = {},
) {
  const config = loadConfig({
    CF_API_BASE: fake.apiBase,
    REQUEST_TIMEOUT: '10',
    UPSTREAM_TIMEOUT: '5',
    ...env,
  })
  const catalogue = new Catalogue(buildProviders(config, bindings), config.defaultModel)
  const storage = memoryStorage()
  const gateway: Gateway = { config, storage, catalogue, fetch, now: Date.now }
  const app = createApp({ config, storage, catalogue, bindings, log: () => {} })
  const target = (id: string): Target => {
    const found = catalogue.targets.find((candidate) => candidate.id === id)
    if (!found) throw new Error(`no target ${id}: ${catalogue.targets.map((t) => t.id)}`)
    return found
  }
  const generate = (input: Partial<Parameters<typeof generateImages>[1]> = {}) =>
    generateImages(gateway, {
      prompt: 'a red fox',
      n: 1,
      signal: new AbortController().signal,
      ...input,
    })
  return { gateway, app, catalogue, target, generate }
}

/** Epoch ms of the next 00:00 UTC, when Workers AI's free allocation resets. */
export const nextUtcMidnight = () => {
  const midnight = new Date()
  midnight.setUTCHours(24, 0, 0, 0)
  return midnight.getTime()
}
