/**
 * Whether an image's bytes run to the format's own end marker. A reply or download cut short
 * still starts like a picture and sniffs fine, but decodes to a half-grey image; storing it as
 * `immutable` would serve that broken result forever, so a cut-off image is a failed attempt.
 */

const PNG_END = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]

const endsWith = (bytes: Uint8Array, tail: number[], end = bytes.length) =>
  end >= tail.length && tail.every((byte, i) => bytes[end - tail.length + i] === byte)

/** The index after the last non-zero byte: encoders may pad a JPEG with zeros after EOI. */
function withoutZeroPadding(bytes: Uint8Array): number {
  let end = bytes.length
  while (end > 0 && bytes[end - 1] === 0) end--
  return end
}

/**
 * Null when the image is whole, else what is missing ("no PNG end"), for an error message.
 * `contentType` is the type sniffed from the bytes, never the one an upstream claimed.
 */
export function missingImageEnd(bytes: Uint8Array, contentType: string): string | null {
  switch (contentType) {
    case 'image/png':
      // The IEND chunk: zero length, its type, and its fixed CRC.
      return endsWith(bytes, PNG_END) ? null : 'no PNG end'
    case 'image/jpeg':
      return endsWith(bytes, [0xff, 0xd9], withoutZeroPadding(bytes)) ? null : 'no JPEG end'
    case 'image/webp': {
      // The RIFF header counts every byte after its first 8.
      const riffLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      const declared = bytes.length >= 8 ? riffLength.getUint32(4, true) + 8 : Infinity
      return bytes.length >= declared ? null : 'shorter than its RIFF length'
    }
    case 'image/gif':
      return bytes[bytes.length - 1] === 0x3b ? null : 'no GIF trailer'
    default:
      return `an unknown type ${contentType}`
  }
}
