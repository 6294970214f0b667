import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The repository explains itself: comments, tests and docs never point at notes that are not in
 * it (a product spec by section number, reference notes, or the two legacy Worker scripts by the
 * numbers they once had; they are "Flux-API-Worker" and "freefluxapi"), and every repository path
 * the docs name in backticks exists, so a rename cannot leave README.md or docs/ pointing nowhere.
 */

/**
 * Files allowed to keep such a citation for a while (say who removes it): empty, since every file
 * explains itself. The test fails on an entry that no longer cites anything, so a stale entry
 * cannot hide a new citation.
 */
const ALLOWED_CITATIONS: Record<string, string> = {}

const ROOT = resolve(import.meta.dirname, '..')
const SCANNED_DIRS = ['src', 'test', 'bench', 'scripts', 'docs']
const TEXT_FILE = /\.(?:[cm]?[jt]s|json|jsonc|md|ya?ml|html|css|txt)$/

/** Citations of notes outside the repository, case-insensitive. */
const CITATIONS = [/\bspec\s+section\b/i, /\bseed\s+00[04]\b/i, /\breference\/[\w-]+\.md\b/i]

/** A repository path in backticks: `src/app.ts`, `deploy/`, `test/node/chat.test.ts`. */
const BACKTICKED_PATH = /`((?:src|test|bench|scripts|docs|deploy)\/[^`\s]*)`/g

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return filesUnder(path)
    return TEXT_FILE.test(entry.name) ? [path] : []
  })
}

const scanned = [
  join(ROOT, 'README.md'),
  ...SCANNED_DIRS.filter((dir) => existsSync(join(ROOT, dir))).flatMap((dir) =>
    filesUnder(join(ROOT, dir)),
  ),
].map((path) => relative(ROOT, path))

/** Each line of `text` that cites a note outside the repository, as `line: text`. */
function citationsIn(text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, index) =>
      CITATIONS.some((pattern) => pattern.test(line)) ? [`${index + 1}: ${line.trim()}`] : [],
    )
}

/**
 * The repository paths `markdown` names in backticks. A glob or placeholder (`src/providers/*`,
 * `src/providers/<name>/`) is checked up to where it starts, a `:line` suffix is dropped.
 */
function backtickedPaths(markdown: string): string[] {
  return [...markdown.matchAll(BACKTICKED_PATH)].map((match) =>
    match[1]!.replace(/[*<{].*$/, '').replace(/:\d+(?::\d+)?$/, ''),
  )
}

/** This file is left out: its own samples are the citations it looks for. */
const SELF = relative(ROOT, import.meta.filename)

const citing = new Map(
  scanned
    .filter((path) => path !== SELF)
    .map((path) => [path, citationsIn(readFileSync(join(ROOT, path), 'utf8'))] as const),
)

describe('citations of notes outside the repository', () => {
  it('finds spec sections, numbered legacy scripts and reference notes, and nothing else', () => {
    const cited = [
      'the stream order of SPEC section 3',
      'as seed 004 did',
      'like Seed  000',
      'see reference/providers.md',
    ]
    const fine = [
      'a ModelSpec for the specific section',
      'seed 42',
      'seed 0004',
      'the seed 0 and seed 400',
      'Flux-API-Worker and freefluxapi',
    ]
    expect(citationsIn(cited.join('\n'))).toHaveLength(cited.length)
    expect(citationsIn(fine.join('\n'))).toEqual([])
  })

  it('are in no file of src/, test/, bench/, scripts/, docs/ or README.md', () => {
    const found = [...citing]
      .filter(([path]) => !(path in ALLOWED_CITATIONS))
      .flatMap(([path, lines]) => lines.map((line) => `${path}:${line}`))
    expect(found).toEqual([])
  })

  it('remain in every allow-listed file (remove an entry once its file is clean)', () => {
    const clean = Object.keys(ALLOWED_CITATIONS).filter((path) => !citing.get(path)?.length)
    expect(clean).toEqual([])
  })
})

describe('paths named in README.md and docs/', () => {
  const docs = scanned.filter((path) => path === 'README.md' || /^docs\/[^/]+\.md$/.test(path))

  it('are read from backticks, globs and line numbers trimmed', () => {
    expect(
      backtickedPaths('`src/app.ts`, `deploy/`, `src/providers/*`, `src/errors.ts:5`, `npm test`'),
    ).toEqual(['src/app.ts', 'deploy/', 'src/providers/', 'src/errors.ts'])
  })

  it('exist', () => {
    const names = docs.flatMap((doc) =>
      backtickedPaths(readFileSync(join(ROOT, doc), 'utf8')).map((path) => ({ doc, path })),
    )
    expect(names.filter(({ doc }) => doc === 'README.md').length).toBeGreaterThan(0)
    const missing = names.filter(({ path }) => !existsSync(join(ROOT, path)))
    expect(missing).toEqual([])
  })
})
