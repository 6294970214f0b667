import {
  type ContractMode,
  describeProviderContract,
  keyedContract,
} from '../contracts/provider.ts'
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
    keyedContract(
      (slowMs) => startFakeFal({ mode, keys: FAL_KEYS, slowMs }),
      (fake) => ({ type: 'fal', baseUrl: fake.url, options: { mode, pollIntervalMs: 20 } }),
      { calls: (fake) => fake.bodies().length, disconnects: (fake) => fake.disconnects() },
    ),
    mode === 'queue'
      ? { disconnect: 'a queue submission is answered at once; abort stops the polls instead' }
      : {},
  )
}
