import type { ContractFake, ContractMode } from './provider.ts'

/** The parts of a fake that is told its mode directly and records every generation body. */
export type ModalFake = {
  mode(mode: ContractMode): void
  bodies(): unknown[]
  served: Uint8Array[]
  disconnects(): number
  close(): Promise<void>
}

/** The contract's view of a ModalFake: one generation call per recorded body. */
export const modalContractFake = (fake: ModalFake): ContractFake => ({
  mode: fake.mode,
  calls: () => fake.bodies().length,
  served: () => fake.served,
  disconnects: fake.disconnects,
  close: fake.close,
})
