import type * as z from 'zod/mini'
import { GatewayError } from '../errors.ts'
import { englishIssues } from '../issue-messages.ts'

/** How a door names a field in its messages and in the error's `param`. */
export type FieldNaming = {
  /** The name put in front of a predicate message; default: the issue's path, dot-joined. */
  name?: string
  /** The error's `param`; default: the issue's path, dot-joined (null when the path is empty). */
  param?: string | null
}

/**
 * The first issue of a failed parse as the 400 a client sees. Issues carrying a `code` param are
 * complete sentences and keep their code; the rest are predicates, given the field's name.
 */
export function requestError(error: z.core.$ZodError, naming: FieldNaming = {}): GatewayError {
  const issue = error.issues[0]!
  const path = issue.path.map(String).join('.')
  const param = naming.param === undefined ? path || null : naming.param
  const code = issue.code === 'custom' ? (issue.params?.code as string | undefined) : undefined
  const name = naming.name ?? path
  const message = code ? issue.message : `${name} ${issue.message}.`.trimStart()
  return new GatewayError(400, code ?? 'invalid_request', message, { param: param ?? undefined })
}

/** Parses `value`, or throws the 400 for its first problem. */
export function parseRequest<Schema extends z.ZodMiniType>(
  schema: Schema,
  value: unknown,
  naming?: FieldNaming,
): z.output<Schema> {
  const result = schema.safeParse(value, { error: englishIssues })
  if (result.success) return result.data
  throw requestError(result.error, naming)
}
