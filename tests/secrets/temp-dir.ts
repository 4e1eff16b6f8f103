import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

/** A private temporary directory removed after the file's tests. */
export function tempDir(): { readonly dir: string; write(name: string, content: string, mode?: number): string } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-secrets-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return {
    dir,
    write(name, content, mode = 0o600) {
      const path = join(dir, name)
      writeFileSync(path, content, { mode })
      chmodSync(path, mode) // the umask may have cleared bits of `mode`
      return path
    },
  }
}
