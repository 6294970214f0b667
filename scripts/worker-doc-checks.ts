import ts from 'typescript'

/**
 * The Worker bundle's request schemas without their documentation checks: `described(...)` and
 * `z.meta(...)`, which only feed the OpenAPI document. The Worker serves that document rendered
 * at build time (worker-substitutes.ts), so in the bundle these checks are dead weight: their
 * descriptions (about 2 kB of text) and zod's registry. They add no issue and change no value (a
 * meta check's `check` does nothing; it only registers metadata when attached), so parsing is
 * the same without them.
 *
 * `X.check(doc)` becomes `X`; `X.check(a, doc, b)` becomes `X.check(a, b)`. A doc check is a call
 * of `described` or `z.meta`, or a const of the file bound to one. Anything else is left as it
 * is, so a doc check used another way stays in the bundle (bigger, never wrong).
 */
export function withoutDocChecks(source: string, fileName: string): string {
  let text = source
  // A `.check` inside another's arguments is rewritten on the next pass, not in the same one.
  for (let pass = 0; pass < 10; pass++) {
    const edits = docCheckEdits(text, fileName)
    if (edits.length === 0) return text
    for (const { start, end, replacement } of edits) {
      text = text.slice(0, start) + replacement + text.slice(end)
    }
  }
  throw new Error(`${fileName}: documentation checks still left after 10 passes`)
}

const isDeclarationName = (node: ts.Identifier) =>
  ts.isVariableDeclaration(node.parent) && node.parent.name === node

type Edit = { start: number; end: number; replacement: string }

/** Non-overlapping edits, last first, so each applies to the text the previous one left. */
function docCheckEdits(text: string, fileName: string): Edit[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const docConsts = new Set<string>()
  const found: Edit[] = []
  const isDocCheck = (node: ts.Node): boolean =>
    (ts.isIdentifier(node) && docConsts.has(node.text)) ||
    (ts.isCallExpression(node) &&
      ((ts.isIdentifier(node.expression) && node.expression.text === 'described') ||
        (ts.isPropertyAccessExpression(node.expression) &&
          ts.isIdentifier(node.expression.expression) &&
          node.expression.expression.text === 'z' &&
          node.expression.name.text === 'meta')))
  // Consts first, so a check naming one declared further down is still seen.
  const collect = (node: ts.Node) => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.initializer &&
      isDocCheck(node.initializer)
    ) {
      docConsts.add(node.name.text)
    }
    ts.forEachChild(node, collect)
  }
  collect(file)
  /** Uses of each doc const, and how many of them go with a removed check. */
  const uses = new Map<string, number>()
  const removedUses = new Map<string, number>()
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && docConsts.has(node.text) && !isDeclarationName(node)) {
      uses.set(node.text, (uses.get(node.text) ?? 0) + 1)
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'check'
    ) {
      const kept = node.arguments.filter((argument) => !isDocCheck(argument))
      for (const argument of node.arguments) {
        if (ts.isIdentifier(argument) && docConsts.has(argument.text)) {
          removedUses.set(argument.text, (removedUses.get(argument.text) ?? 0) + 1)
        }
      }
      if (kept.length === 0) {
        found.push({ start: node.expression.expression.end, end: node.end, replacement: '' })
      } else if (kept.length < node.arguments.length) {
        found.push({
          start: node.arguments.pos,
          end: node.arguments.end,
          replacement: kept.map((argument) => argument.getText(file)).join(', '),
        })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  // A doc const only used by removed checks goes too: `z.meta` is an alias in zod/mini, which
  // esbuild cannot tell is free of side effects, so an unused call would stay.
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement) || statement.modifiers?.length) continue
    const names = statement.declarationList.declarations.map((declaration) =>
      ts.isIdentifier(declaration.name) ? declaration.name.text : '',
    )
    const unused = (name: string) =>
      docConsts.has(name) && (uses.get(name) ?? 0) === (removedUses.get(name) ?? 0)
    if (names.every(unused)) {
      found.push({ start: statement.getStart(file), end: statement.end, replacement: '' })
    }
  }
  const edits: Edit[] = []
  for (const edit of found.sort((a, b) => b.start - a.start)) {
    const previous = edits.at(-1)
    if (!previous || edit.end <= previous.start) edits.push(edit)
  }
  return edits
}
