import type * as z from 'zod/mini'

/**
 * zod's English wording for the issues our schemas raise without a message of their own (a
 * PROVIDERS entry's `weight: 0`, an unknown DIRECT_API_ACCESS, a body that is not an object).
 * zod/mini loads no locale and says only "Invalid input"; its whole English locale would cost the
 * Worker bundle about 1 kB gzipped, this part of it a fraction. Pass it to `safeParse` where a
 * person reads the messages; a schema's own `error` still wins.
 */
export const englishIssues = (issue: z.core.$ZodRawIssue): string | undefined => {
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${issue.expected}, received ${typeName(issue.input)}`
    case 'invalid_value':
      return issue.values.length === 1
        ? `Invalid input: expected ${quoted(issue.values[0])}`
        : `Invalid option: expected one of ${issue.values.map(quoted).join('|')}`
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big'
      const bound = big ? issue.maximum : issue.minimum
      const relation = issue.exact ? 'exactly ' : `${big ? '<' : '>'}${issue.inclusive ? '=' : ''}`
      const unit = UNITS[issue.origin as string]
      const expected = unit ? `have ${relation}${bound} ${unit}` : `be ${relation}${bound}`
      return `Too ${big ? 'big' : 'small'}: expected ${issue.origin} to ${expected}`
    }
    case 'invalid_format':
      return issue.format === 'regex'
        ? `Invalid string: must match pattern ${issue.pattern}`
        : `Invalid ${issue.format === 'url' ? 'URL' : issue.format}`
    default:
      return undefined // zod's own "Invalid input"
  }
}

/** What zod counts in a length limit. */
const UNITS: Record<string, string> = { string: 'characters', array: 'items' }

/** zod's name for a value's type (inputs here come from JSON or text, so no NaN or Date). */
const typeName = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value

const quoted = (value: unknown) => (typeof value === 'string' ? `"${value}"` : String(value))
