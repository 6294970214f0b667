/**
 * Image keys: 128 random bits as 22 URL-safe characters, or a longer content address for seeded
 * requests. Anything else is rejected before a driver sees it, so a key can never name a path.
 */

const KEY_PATTERN = /^[A-Za-z0-9_-]{22,64}$/

export const isImageKey = (key: string) => KEY_PATTERN.test(key)

export function base64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A fresh unguessable key. */
export const newImageKey = () => base64Url(crypto.getRandomValues(new Uint8Array(16)))
