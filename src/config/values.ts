import * as z from 'zod'

/**
 * How one variable's text becomes a value. Every reader accepts a missing or empty variable (a
 * person who blanks a line in `.env` means "default"), and says what it expected when it fails,
 * without echoing anything that might be a key.
 */

export const text = z.string().trim()

export const optionalText = text.optional().transform((value) => value || undefined)

/** `a, b,,c` -> ['a', 'b', 'c']. */
export const list = text.optional().transform((value) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
)

export const textOr = (fallback: string) => text.optional().transform((value) => value || fallback)

export const flag = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((value, ctx) => {
      if (!value) return fallback
      if (['true', '1', 'yes', 'on'].includes(value)) return true
      if (['false', '0', 'no', 'off'].includes(value)) return false
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${value}"` })
      return z.NEVER
    })

export const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return fallback
      // Number() alone would accept '', '0x10' and '1e3'; a person writes plain digits.
      const number = /^-?\d+$/.test(value) ? Number(value) : Number.NaN
      if (number >= min && number <= max) return number
      ctx.addIssue({
        code: 'custom',
        message: `expected a whole number from ${min} to ${max}, got "${value}"`,
      })
      return z.NEVER
    })

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })

/** An http(s) base URL without trailing slashes, so paths can be appended with `/`. */
export const url = (fallback: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value || fallback).replace(/\/+$/, ''))
    .pipe(httpUrl)

export const optionalUrl = z
  .string()
  .trim()
  .optional()
  .transform((value) => value?.replace(/\/+$/, '') || undefined)
  .pipe(httpUrl.optional())
