import { describeStorageContract } from '../../test/contracts/storage.ts'
import { memoryStorage } from './memory.ts'

describeStorageContract('memory', ({ now }) => memoryStorage({ now }))
