import * as z from 'zod/mini'
import {
  described,
  modelId,
  negativePromptText,
  promptText,
  seedText,
  sideText,
} from './field-schemas.ts'
import type { ImageParams } from './fields.ts'
import { parseRequest } from './request-error.ts'

/**
 * Pollinations' image URL, `GET /prompt/{prompt}?width=&height=&seed=...`, as the tools that
 * hard-code it write it. Its defaults are Pollinations' own (image.pollinations.ai's params.ts):
 * no seed means seed 42, so a URL always shows the same image; `-1` asks for a random one; a
 * side left out is 1024 when the other is given. Parameters it has and this gateway has no use
 * for are accepted and ignored, and so is any other parameter, as Pollinations does.
 */

/** Pollinations' seed when the URL names none. */
export const POLLINATIONS_SEED = 42
/** Pollinations' side when only the other side is given. */
const DEFAULT_SIDE = 1024

/** `true`/`false`/`1`/`0` in any case: Python's `requests` writes `True`. */
const switchText = z.pipe(
  z.string().check(z.regex(/^(true|false|1|0)$/i, { error: 'must be true or false (or 1 or 0)' })),
  z.transform((text) => /^(true|1)$/i.test(text)),
)
const ignored = z.optional(z.string()).check(described('Accepted and ignored.'))
const clientKey = z
  .optional(z.string())
  .check(described('A client key, when DIRECT_API_ACCESS=key.'))

export const pollinationsQuery = z.object({
  prompt: promptText.check(described('What to draw.')),
  width: z.optional(sideText),
  height: z.optional(sideText),
  seed: z
    .prefault(seedText, String(POLLINATIONS_SEED))
    .check(described(`Absent: ${POLLINATIONS_SEED}. -1: random.`)),
  model: z.optional(modelId),
  enhance: z
    .optional(switchText)
    .check(described('Rewrite the prompt through the prompt LLM first.')),
  negative_prompt: z.optional(negativePromptText),
  image: z.optional(z.string()).check(described('Reference image URLs, `|` or `,` between.')),
  // Upstream safety checkers are never turned off, so `safe=true` asks for what happens anyway.
  safe: z.optional(switchText).check(described('Accepted; safety checkers stay on.')),
  nologo: ignored,
  private: ignored,
  nofeed: ignored,
  referrer: ignored,
  key: clientKey,
  token: clientKey,
})

/** What the route draws: the request, whether the prompt is to be rewritten, and references. */
export type PollinationsRequest = {
  image: Omit<ImageParams, 'n'>
  optimize: boolean
  references: string[]
}

/** Reads and checks the prompt and query; the first problem becomes a 400 naming the parameter. */
export function parsePollinationsRequest(
  prompt: string,
  query: Record<string, string>,
): PollinationsRequest {
  // An empty parameter (`&seed=`, as a form leaves it) means "not given".
  const given = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''))
  const parsed = parseRequest(pollinationsQuery, { ...given, prompt })
  const { width, height } = parsed
  return {
    image: {
      prompt: parsed.prompt,
      negativePrompt: parsed.negative_prompt,
      ...((width || height) && {
        width: width ?? DEFAULT_SIDE,
        height: height ?? DEFAULT_SIDE,
      }),
      seed: parsed.seed,
      model: parsed.model,
    },
    optimize: parsed.enhance ?? false,
    references: splitReferences(parsed.image ?? ''),
  }
}

/**
 * Pollinations' list of image URLs: split at `|` when there is one, else at commas. Only a comma
 * that starts another URL splits here: URLs hold commas too (`data:` URIs, image CDNs' `w_1,h_1`).
 */
function splitReferences(list: string): string[] {
  const parts = list.includes('|') ? list.split('|') : list.split(/,(?=\s*(?:https?|data):)/i)
  return parts.map((part) => part.trim()).filter(Boolean)
}
