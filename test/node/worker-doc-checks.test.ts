import { describe, expect, it } from 'vitest'
import { withoutDocChecks } from '../../scripts/worker-doc-checks.ts'

/** The Worker build's removal of OpenAPI-only checks from request schemas. */

const strip = (source: string) => withoutDocChecks(source, 'schema.ts')

describe('withoutDocChecks', () => {
  it('drops a .check whose only arguments document the field', () => {
    expect(strip(`const a = z.string().check(described('What to draw.'))`)).toBe(
      'const a = z.string()',
    )
    expect(strip(`const a = x\n  .check(\n    z.meta({ description: 'A' }),\n  )\n`)).toBe(
      'const a = x\n',
    )
  })

  it('keeps the other checks of the same call, in order', () => {
    expect(strip(`s.check(z.minLength(1), described('Text.'), z.maxLength(9))`)).toBe(
      's.check(z.minLength(1), z.maxLength(9))',
    )
    expect(strip(`s.check((ctx) => ctx, z.meta({ maxLength: max }))`)).toBe('s.check((ctx) => ctx)')
  })

  it('rewrites checks nested in the arguments of another', () => {
    expect(
      strip(`z.object({ a: x.check(described('A')), b: y.check(z.meta({ type: 'string' })) })`),
    ).toBe('z.object({ a: x, b: y })')
    expect(strip(`z.optional(x.check(described('A'))).check(f, described('B'))`)).toBe(
      'z.optional(x).check(f)',
    )
  })

  it('drops a const bound to a doc check once its checks are gone, and only then', () => {
    const used = `const seed = z.meta({ description: 'S' })\nconst a = x.check(seed)\nconst b = y.check(f, seed)\n`
    expect(strip(used)).toBe('\nconst a = x\nconst b = y.check(f)\n')
    const passed = `const seed = z.meta({ description: 'S' })\nconst a = x.check(seed)\nexport const b = wrap(seed)\n`
    expect(strip(passed)).toBe(
      `const seed = z.meta({ description: 'S' })\nconst a = x\nexport const b = wrap(seed)\n`,
    )
  })

  it('leaves checks that are not documentation, and other uses of meta, alone', () => {
    const source = `const a = s.check(z.minLength(1), refine(ok))\nregistry.add(s, z.meta)\nconst d = (text) => z.meta({ description: text })\n`
    expect(strip(source)).toBe(source)
  })
})
