import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    typecheck: { include: ['tests/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    testTimeout: 60_000,
    pool: 'forks',
  },
})
