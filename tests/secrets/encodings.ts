/**
 * The encodings of a secret the redactor promises to find, computed here independently of
 * `secretForms`: raw, base64 (standard and URL-safe, with and without padding), hex (lower and
 * upper case) and `encodeURIComponent`.
 */
export function promisedForms(value: string): Record<string, string> {
  const bytes = Buffer.from(value, 'utf8')
  const forms: Record<string, string> = {
    raw: value,
    base64: bytes.toString('base64'),
    base64Unpadded: bytes.toString('base64').replace(/=+$/, ''),
    base64url: bytes.toString('base64url'),
    base64urlPadded: bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
    hex: bytes.toString('hex'),
    HEX: bytes.toString('hex').toUpperCase(),
  }
  try {
    forms.uri = encodeURIComponent(value)
  } catch {
    // lone surrogate: no URI form
  }
  return forms
}
