import type { ProviderEntry } from '../../src/config.ts'
import { type ContractMode, describeProviderContract } from '../contracts/provider.ts'
import { type ReplicateBehaviour, startFakeReplicate } from '../fakes/replicate.ts'

/**
 * The provider contract on replicate. The fake picks its behaviour by token; a refusal is a
 * prediction that fails on NSFW content. Predictions are polled, so abort is asserted as polls
 * that stop and a cancel call (test/node/replicate.test.ts), not as a hung-up connection.
 */

const REPLICATE_KEYS: Record<ContractMode, ReplicateBehaviour> = {
  ok: 'ok',
  'rate-limited': 'throttled',
  unauthorized: 'unauthorized',
  refused: 'nsfw',
  'server-error': 'server-error',
  slow: 'slow',
  malformed: 'malformed',
}

describeProviderContract(
  'replicate',
  async ({ slowMs }) => {
    const fake = await startFakeReplicate({ keys: REPLICATE_KEYS, slowMs })
    const entry: ProviderEntry = {
      type: 'replicate',
      keys: ['ok'],
      baseUrl: fake.baseUrl,
      priority: 0,
      weight: 1,
      options: { pollIntervalMs: 20 },
    }
    return {
      entry,
      fake: {
        mode(mode) {
          entry.keys = [mode]
        },
        calls: () => fake.bodies().length,
        served: () => fake.served,
        close: () => fake.close(),
      },
    }
  },
  { disconnect: 'a prediction is created at once and then polled; abort stops the polls' },
)
