import { expect } from 'vitest'
import { GatewayError } from '../errors.ts'

/** For tests: the GatewayError that `run` throws (fails the test if it throws none or another). */
export function rejection(run: () => unknown): GatewayError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError)
    return error as GatewayError
  }
  throw new Error('expected a rejection')
}
