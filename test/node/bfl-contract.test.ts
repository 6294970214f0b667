import {
  type ContractMode,
  describeProviderContract,
  keyedContract,
} from '../contracts/provider.ts'
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
  keyedContract(
    (slowMs) => startFakeBfl({ keys: BFL_KEYS, slowMs }),
    (fake) => ({ type: 'bfl', baseUrl: fake.url, options: { pollIntervalMs: 20 } }),
    { calls: (fake) => fake.submissions().length },
  ),
  { disconnect: 'a task is submitted at once and then polled; abort stops the polls' },
)
