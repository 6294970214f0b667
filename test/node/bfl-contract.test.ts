import type { ProviderEntry } from '../../src/config.ts'
import { type ContractMode, describeProviderContract } from '../contracts/provider.ts'
import { type BflBehaviour, startFakeBfl } from '../fakes/bfl.ts'

/**
 * The provider contract on bfl. The fake picks its behaviour by `x-key`; a refusal is a task
 * that ends "Request Moderated". Tasks are polled, so abort is asserted as polls that stop
 * (test/node/bfl.test.ts), not as a hung-up connection.
 */

const BFL_KEYS: Record<ContractMode, BflBehaviour> = {
  ok: 'ok',
  'rate-limited': 'rate-limited',
  unauthorized: 'unauthorized',
  refused: 'request-moderated',
  'server-error': 'server-error',
  slow: 'slow',
  malformed: 'malformed',
}

describeProviderContract(
  'bfl',
  async ({ slowMs }) => {
    const fake = await startFakeBfl({ keys: BFL_KEYS, slowMs })
    const entry: ProviderEntry = {
      type: 'bfl',
      keys: ['ok'],
      baseUrl: fake.url,
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
        calls: () => fake.submissions().length,
        served: () => fake.served,
        close: () => fake.close(),
      },
    }
  },
  { disconnect: 'a task is submitted at once and then polled; abort stops the polls' },
)
