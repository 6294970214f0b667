import type { ProviderEntry } from '../../src/config.ts'
import { type ContractMode, describeProviderContract } from '../contracts/provider.ts'
import { type ComfyMode, startFakeComfy } from '../fakes/comfyui.ts'

/**
 * The provider contract on comfyui. The fake sits behind a bearer-checking proxy (what the
 * optional key is for), so `unauthorized` is a wrong key; the other modes are the fake's own.
 */

const MODES: Partial<Record<ContractMode, ComfyMode>> = {
  ok: 'ok',
  'server-error': 'run-error',
  slow: 'slow',
  malformed: 'malformed',
}
const TOKEN = 'proxy-token-789'

describeProviderContract(
  'comfyui',
  async ({ slowMs }) => {
    const fake = await startFakeComfy({ slowMs, key: TOKEN, pendingPolls: 1 })
    const entry: ProviderEntry = {
      type: 'comfyui',
      keys: [TOKEN],
      baseUrl: fake.url,
      priority: 0,
      weight: 1,
      options: { pollIntervalMs: 10 },
    }
    return {
      entry,
      fake: {
        mode(mode) {
          if (mode === 'unauthorized') entry.keys = ['wrong-token-000']
          else fake.mode = MODES[mode] ?? 'ok'
        },
        calls: () =>
          fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length,
        served: () => fake.served,
        close: () => fake.close(),
      },
    }
  },
  {
    'rate-limited': 'ComfyUI has no rate limit of its own',
    refused: 'ComfyUI has no content policy',
    disconnect:
      'ComfyUI is polled, so no call stays open; an abort sends /queue delete and /interrupt instead (comfyui.test.ts)',
  },
)
