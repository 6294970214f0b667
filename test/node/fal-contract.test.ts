import type { ProviderEntry } from '../../src/config.ts'
import { type ContractMode, describeProviderContract } from '../contracts/provider.ts'
import { type FalBehaviour, startFakeFal } from '../fakes/fal.ts'

/**
 * The provider contract on fal, in both modes. The fake picks its behaviour by key, so each mode
 * becomes the entry's key. Queue mode answers a submission at once and then polls, so there is no
 * slow connection to hang up on: abort there stops polling and cancels the job (test/node/fal.test.ts).
 */

const FAL_KEYS: Record<ContractMode, FalBehaviour> = {
  ok: 'ok',
  'rate-limited': 'rate-limited',
  unauthorized: 'unauthorized',
  refused: 'policy',
  'server-error': 'server-error',
  slow: 'slow',
  malformed: 'malformed',
}

for (const mode of ['queue', 'sync'] as const) {
  describeProviderContract(
    `fal (${mode})`,
    async ({ slowMs }) => {
      const fake = await startFakeFal({ mode, keys: FAL_KEYS, slowMs })
      const entry: ProviderEntry = {
        type: 'fal',
        keys: ['ok'],
        baseUrl: fake.url,
        priority: 0,
        weight: 1,
        options: { mode, pollIntervalMs: 20 },
      }
      return {
        entry,
        fake: {
          mode(contractMode) {
            entry.keys = [contractMode]
          },
          calls: () => fake.bodies().length,
          served: () => fake.served,
          disconnects: () => fake.disconnects(),
          close: () => fake.close(),
        },
      }
    },
    mode === 'queue'
      ? { disconnect: 'a queue submission is answered at once; abort stops the polls instead' }
      : {},
  )
}
