/**
 * Options of {@link secretForms}.
 * @public
 */
export interface SecretFormsOptions {
  /**
   * Shortest base64 fragment kept for a value encoded inside a longer text (see
   * {@link secretForms}). Shorter fragments would match unrelated base64 too often.
   * @defaultValue `10` (values of 8 bytes and more get every fragment)
   */
  readonly minFragmentLength?: number
}

/** Characters of the base64 encoding of `s` zero bytes + the value that depend on those bytes. */
const LEAD = [0, 2, 3] as const

/**
 * Every form of `value` that a redactor looks for, longest first, without duplicates:
 *
 * - the value itself, and its JSON string escaping (without the quotes) when that differs;
 * - URL encodings: `encodeURIComponent`, the same with lower-case `%xx`, and form encoding
 *   (`URLSearchParams`, space as `+`);
 * - the UTF-8 bytes in hex, lower and upper case;
 * - base64 of the UTF-8 bytes, standard and URL-safe alphabets, with and without `=` padding;
 * - base64 fragments of the value encoded as part of a longer text, at each of the three byte
 *   alignments (as in `Authorization: Basic base64(user:password)`): the characters determined by
 *   the value's bytes alone, in both alphabets, when at least `minFragmentLength` long. At most
 *   one character at each end of such an encoded run (a few bits of the value) stays visible.
 *
 * Used by the redactor; exported so that tests can scan outputs for canary secrets.
 * @example
 * ```ts
 * secretForms('s3cr3t-t0ken').includes(Buffer.from('s3cr3t-t0ken').toString('base64')) // true
 * ```
 * @public
 */
export function secretForms(value: string, options: SecretFormsOptions = {}): string[] {
  const minFragment = options.minFragmentLength ?? 10
  const forms = new Set<string>()
  const add = (form: string): void => {
    if (form.length > 0) forms.add(form)
  }
  add(value)
  add(JSON.stringify(value).slice(1, -1))
  try {
    const uri = encodeURIComponent(value)
    add(uri)
    add(uri.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()))
  } catch {
    // A lone surrogate has no URI encoding.
  }
  add(new URLSearchParams([['', value]]).toString().slice(1))
  const bytes = Buffer.from(value, 'utf8')
  const hex = bytes.toString('hex')
  add(hex)
  add(hex.toUpperCase())
  for (let shift = 0; shift < 3; shift++) {
    const shifted = shift === 0 ? bytes : Buffer.concat([Buffer.alloc(shift), bytes])
    const padded = shifted.toString('base64').slice(LEAD[shift])
    const unpadded = padded.replace(/=+$/, '')
    const inside = shifted.length % 3 === 0 ? unpadded : unpadded.slice(0, -1)
    const candidates = shift === 0 ? [padded, unpadded] : [padded, unpadded, inside]
    for (const form of candidates) {
      if (shift !== 0 && form.length < minFragment) continue
      add(form)
      add(form.replace(/\+/g, '-').replace(/\//g, '_'))
    }
    if (shift === 0 && inside.length >= minFragment) {
      add(inside)
      add(inside.replace(/\+/g, '-').replace(/\//g, '_'))
    }
  }
  return [...forms].sort((a, b) => b.length - a.length)
}
