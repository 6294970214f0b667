import * as z from 'zod/mini'

/**
 * How one variable's text becomes a value. Every reader accepts a missing or empty variable (a
 * person who blanks a line in `.env` means "default"), and says what it expected when it fails,
 * without echoing anything that might be a key.
 */

export const text = z.string().check(z.trim())

/** A variable read by `read`, which may push an issue (see `refuse`); absent arrives as undefined. */
export const readText = <T>(read: (value: string | undefined, ctx: z.core.ParsePayload) => T) =>
  z.pipe(z.optional(text), z.transform(read))

/** Rejects the value being read with `message`; the caller returns z.NEVER. */
export const refuse = (ctx: z.core.ParsePayload, message: string) => {
  ctx.issues.push({ code: 'custom', input: ctx.value, message })
}

export const optionalText = readText((value) => value || undefined)

/** `a, b,,c` -> ['a', 'b', 'c']. */
export const list = readText((value) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
)

export const textOr = (fallback: string) => readText((value) => value || fallback)

export const flag = (fallback: boolean) =>
  readText((raw, ctx) => {
    const value = raw?.toLowerCase()
    if (!value) return fallback
    if (['true', '1', 'yes', 'on'].includes(value)) return true
    if (['false', '0', 'no', 'off'].includes(value)) return false
    refuse(ctx, `expected true or false, got "${value}"`)
    return z.NEVER
  })

export const int = (fallback: number, min: number, max: number) =>
  readText((value, ctx) => {
    if (!value) return fallback
    // Number() alone would accept '', '0x10' and '1e3'; a person writes plain digits.
    const number = /^-?\d+$/.test(value) ? Number(value) : Number.NaN
    if (number >= min && number <= max) return number
    refuse(ctx, `expected a whole number from ${min} to ${max}, got "${value}"`)
    return z.NEVER
  })

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })

/** An http(s) base URL without trailing slashes, so paths can be appended with `/`. */
export const url = (fallback: string) =>
  z.pipe(
    readText((value) => (value || fallback).replace(/\/+$/, '')),
    httpUrl,
  )

export const optionalUrl = z.pipe(
  readText((value) => value?.replace(/\/+$/, '') || undefined),
  z.optional(httpUrl),
)
