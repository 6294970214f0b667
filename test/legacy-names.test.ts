import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LEGACY_KV_BINDINGS, legacyVariables } from '../src/config/legacy.ts'

/**
 * The names of the two Worker scripts fluxgate replaces live in src/config/legacy.ts and nowhere
 * else in the code, so the configuration reads as fluxgate's own. Comments may mention them.
 */

const ROOT = resolve(import.meta.dirname, '..')
const LEGACY_MODULE = 'src/config/legacy.ts'

/** Files that name a legacy variable to a person, in a message, and why. */
const MESSAGES: Record<string, string> = {
  'src/providers/workers-ai/index.ts': 'a keyless entry off Workers says which variables to set',
  'src/storage/kv.ts': 'the warning about KV’s 60 s floor names the variable to raise',
}

const names = [...Object.keys(legacyVariables), ...LEGACY_KV_BINDINGS]

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

/** The legacy names a source file's code uses, comments left out. */
function legacyNamesIn(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  return names.filter((name) => new RegExp(`(?<![\\w])${name}(?![\\w])`).test(code))
}

describe('legacy variable names', () => {
  it('lists both scripts’ names, and a use of one is recognised', () => {
    expect(names).toEqual(
      expect.arrayContaining(['API_KEY', 'CF_ACCOUNT_ID', 'IMAGE_API_KEYS', 'FLUX_CF_KV']),
    )
    expect(legacyNamesIn(`const a = env.IMAGE_API_KEYS\n// CF_ACCOUNT_ID`)).toEqual([
      'IMAGE_API_KEYS',
    ])
    expect(legacyNamesIn(`const b = env.API_KEYS ?? env.EXTERNAL_API_KEYS`)).toEqual([])
  })

  it('appear in the code of src/config/legacy.ts only', () => {
    const offences = sourceFiles(join(ROOT, 'src'))
      .map((path) => relative(ROOT, path).replaceAll('\\', '/'))
      .filter((name) => name !== LEGACY_MODULE && !(name in MESSAGES))
      .flatMap((name) =>
        legacyNamesIn(readFileSync(join(ROOT, name), 'utf8')).map((used) => `${name}: ${used}`),
      )
    expect(offences).toEqual([])
    expect(legacyNamesIn(readFileSync(join(ROOT, LEGACY_MODULE), 'utf8'))).toEqual(names)
  })
})
