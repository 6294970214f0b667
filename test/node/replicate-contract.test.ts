import {
  type ContractMode,
  describeProviderContract,
  keyedContract,
} from '../contracts/provider.ts'
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
  keyedContract(
    (slowMs) => startFakeReplicate({ keys: REPLICATE_KEYS, slowMs }),
    (fake) => ({ type: 'replicate', baseUrl: fake.baseUrl, options: { pollIntervalMs: 20 } }),
    { calls: (fake) => fake.bodies().length },
  ),
  { disconnect: 'a prediction is created at once and then polled; abort stops the polls' },
)
