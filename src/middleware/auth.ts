import type { MiddlewareHandler } from 'hono'
import { GatewayError } from '../errors.ts'
import type { AppEnv, Sha256 } from '../services.ts'

const encoder = new TextEncoder()

/** Whether a presented client key is one of the configured ones (any key when none is). */
export type KeyChecker = (presented: string | undefined) => Promise<boolean>

/**
 * Checks a presented key against the configured client keys in constant time: both sides are
 * hashed to 32 bytes first, so neither the length nor the first differing byte leaks, and every
 * configured key is compared, so which key matched does not leak either. Built once per app
 * (services.ts); every door that takes a key asks this one.
 */
export function createKeyChecker(keys: string[], sha256: Sha256): KeyChecker {
  const digest = async (text: string) => await sha256(encoder.encode(text))
  let hashed: Promise<Uint8Array[]> | undefined
  return async (presented) => {
    if (keys.length === 0) return true
    if (!presented) return false
    hashed ??= Promise.all(keys.map(digest))
    const [candidate, expected] = await Promise.all([digest(presented), hashed])
    let matched = 0
    for (const key of expected) {
      let difference = 0
      for (let i = 0; i < key.length; i++) difference |= key[i]! ^ candidate[i]!
      matched |= difference === 0 ? 1 : 0
    }
    return matched === 1
  }
}

/** The key from `Authorization: Bearer <key>`; other schemes count as no key. */
export function bearerKey(header: string | undefined): string | undefined {
  const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match ? match[1] : undefined
}

export const unauthorized = () =>
  new GatewayError(
    401,
    'invalid_api_key',
    'Missing or invalid API key. Send it as "Authorization: Bearer <key>".',
    { retryable: false },
  )

/**
 * Rejects requests without a valid client key; does nothing when no key is configured. Not
 * async, and with no keys not even a promise of its own: it runs before every `/v1` door.
 */
export const requireClientKey: MiddlewareHandler<AppEnv> = (c, next) => {
  const { checkKey, config } = c.get('services')
  if (config.clientKeys.length === 0) return next()
  // next() returned, not awaited: nothing follows, and an awaiting frame would be held.
  return checkKey(bearerKey(c.req.header('Authorization'))).then((valid) => {
    if (!valid) throw unauthorized()
    return next()
  })
}
