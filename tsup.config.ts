import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'git/index': 'src/git/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // Keep the CLI, built by the entry below at the same time.
    clean: ['!cli.js', '!cli.js.map'],
    target: 'node20',
    splitting: true,
    treeshake: true,
    // Error classes keep their names (`error.name` is journaled and matched by retry rules).
    keepNames: true,
  },
  {
    // The `weft` executable (package.json#bin): ESM only, one file, shebang kept from src/cli/bin.ts.
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
    splitting: false,
    treeshake: true,
    // Error classes keep their names (`error.name` is printed and journaled).
    keepNames: true,
  },
])
