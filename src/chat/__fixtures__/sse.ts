/** Test helpers for reading chat replies the way a strict client would. */

export type SseBlock = { kind: 'comment'; text: string } | { kind: 'data'; data: string }

/**
 * Splits raw SSE text into blocks, checking the framing on the way: every block ends with a
 * blank line and is either one `data: ` line or one `: ` comment line.
 */
export function parseSse(raw: string): SseBlock[] {
  if (!raw.endsWith('\n\n')) throw new Error(`stream does not end with a blank line: ${raw}`)
  return raw
    .slice(0, -2)
    .split('\n\n')
    .map((block) => {
      if (block.includes('\n')) throw new Error(`multi-line SSE block: ${block}`)
      if (block.startsWith(': ')) return { kind: 'comment', text: block.slice(2) }
      if (block.startsWith('data: ')) return { kind: 'data', data: block.slice(6) }
      throw new Error(`unexpected SSE line: ${block}`)
    })
}

/** The URL of the first markdown image in a reply. */
export function imageUrlOf(markdown: string): string {
  const match = /!\[(?:[^\]\\]|\\.)*\]\(([^)\s]+)\)/.exec(markdown)
  if (!match) throw new Error(`no markdown image in: ${markdown}`)
  return match[1]!
}

/** Width and height from a PNG header. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
  if (!signature.every((byte, index) => bytes[index] === byte)) throw new Error('not a PNG')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { width: view.getUint32(16), height: view.getUint32(20) }
}
