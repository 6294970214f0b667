import { encodeBase64Url } from '../bytes/base64.ts'
import { randomBytes } from '../bytes/random.ts'

/**
 * Image keys: 128 random bits as 22 URL-safe characters, or a longer content address for seeded
 * requests. Anything else is rejected before a driver sees it, so a key can never name a path.
 */

const KEY_PATTERN = /^[A-Za-z0-9_-]{22,64}$/

export const isImageKey = (key: string) => KEY_PATTERN.test(key)

/** A fresh unguessable key. */
export const newImageKey = () => encodeBase64Url(randomBytes(16))
