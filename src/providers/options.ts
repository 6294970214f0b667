import * as z from 'zod/mini'
import type { ProviderEntry } from '../config.ts'
import { englishIssues } from '../issue-messages.ts'

/**
 * An entry's `options`, checked against the provider's declared fields like every other setting:
 * a value of the wrong type or range, or a name the provider does not know (a misspelt
 * `outputnode`), stops start-up with a message naming the option and the allowed names, instead
 * of quietly falling back to a default. providers/build.ts adds which entry it was.
 */
export function readOptions<Shape extends z.core.$ZodShape>(
  entry: ProviderEntry,
  shape: Shape,
): z.infer<z.ZodMiniObject<Shape, z.core.$strict>> {
  const parsed = z.strictObject(shape).safeParse(entry.options, { error: englishIssues })
  if (parsed.success) return parsed.data
  const allowed = Object.keys(shape)
  const problems = parsed.error.issues.map((issue) => {
    // Unknown names inside an option object fall through to the path-and-message form below.
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      const names = issue.keys.map((key) => `"${key}"`).join(', ')
      const known = allowed.length ? `allowed: ${allowed.join(', ')}` : 'it takes no options'
      return `unknown option${issue.keys.length > 1 ? 's' : ''} ${names} (${known})`
    }
    return `${['options', ...issue.path.map(String)].join('.')}: ${issue.message}`
  })
  throw new Error(problems.join('; '))
}
