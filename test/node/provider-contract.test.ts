import {
  type ContractMode,
  describeProviderContract,
  keyedContract,
} from '../contracts/provider.ts'
import { type Behaviour, startFakeSiliconflow } from '../fakes/siliconflow.ts'

/**
 * The provider contract on siliconflow, whose fake picks its behaviour by the bearer key: each
 * mode becomes the entry's key, set before the suite builds its gateway. Together, openai and
 * automatic1111 run the same suite in their own test files.
 */

const SILICONFLOW_KEYS: Record<Exclude<ContractMode, 'malformed'>, Behaviour> = {
  ok: 'ok',
  'rate-limited': 'rate-limited',
  unauthorized: 'unauthorized',
  refused: 'refused',
  'server-error': 'overloaded',
  slow: 'slow',
}

describeProviderContract(
  'siliconflow',
  keyedContract(
    (slowMs) => startFakeSiliconflow({ keys: SILICONFLOW_KEYS, slowMs }),
    (fake) => ({ type: 'siliconflow', baseUrl: fake.baseUrl }),
    { calls: (fake) => fake.bodies().length },
  ),
  {
    malformed: 'the siliconflow fake has no malformed reply',
    disconnect: 'the siliconflow fake sleeps through a closed connection without noticing',
  },
)
