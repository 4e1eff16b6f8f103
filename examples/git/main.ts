/**
 * Git checkpoints, rollback, affected steps and a run shared through git — in a throwaway
 * repository created with isomorphic-git (no `git` binary needed).
 * Run: node --import tsx examples/git/main.ts
 */
import * as fs from 'node:fs'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import git from 'isomorphic-git'
import Type from 'typebox'
import { createEngine, memoryStore, workflow } from '../../src/index.js'
import { affected, exportRun, gitCheckpoints, importRun, rollback } from '../../src/git/index.js'

const dir = mkdtempSync(join(tmpdir(), 'weft-example-git-'))
const write = (path: string, text: string): void => {
  mkdirSync(join(dir, path, '..'), { recursive: true })
  writeFileSync(join(dir, path), text)
}
try {
  // A repository with one commit on main.
  await git.init({ fs, dir, defaultBranch: 'main' })
  write('src/version.txt', '1.0.0\n')
  write('docs/notes.md', '# notes\n')
  await git.add({ fs, dir, filepath: '.' })
  const base = await git.commit({ fs, dir, message: 'initial', author: { name: 'Example', email: 'example@localhost' } })

  // A release workflow whose steps change the workspace; every step is checkpointed.
  const release = workflow('release', { input: Type.Object({ version: Type.String() }) })
    .step('bump', {
      output: Type.String(),
      meta: { inputs: ['src/**'] },
      run: ({ input }) => (write('src/version.txt', `${input.version}\n`), input.version),
    })
    .step('changelog', {
      needs: ['bump'],
      output: Type.Number(),
      meta: { inputs: ['docs/**'] },
      run: ({ deps }) => (write('docs/CHANGELOG.md', `## ${deps.bump}\n`), 1),
    })
    .build()

  const store = memoryStore()
  const engine = createEngine({ store, plugins: [gitCheckpoints({ dir })] })
  engine.on('plugin.recorded', (e) => console.log(`journal: ${e.name}${e.stepId === undefined ? '' : ` ${e.stepId}`} → ${(e.data as { commit: string }).commit.slice(0, 12)}`))
  const result = await engine.run(release, { version: '2.0.0' }, { runId: 'release-1' })
  console.log(`run: ${result.status}`)

  const log = await git.log({ fs, dir, ref: 'refs/weft/runs/release-1' })
  console.log(`refs/weft/runs/release-1: ${log.length - 1} weft commits on top of main`)
  console.log(`HEAD is still ${(await git.resolveRef({ fs, dir, ref: 'HEAD' })) === base ? 'the base commit' : 'MOVED'}`)

  // Which steps does the working tree's change touch?
  const touched = await affected(release, { dir, base: 'main' })
  console.log(`affected: ${touched.steps.map((s) => `${s.id} (${'files' in s.reason ? s.reason.files.join(', ') : `needs ${s.reason.dependsOn}`})`).join('; ')}`)

  // Undo the run's changes to the workspace.
  const undo = await rollback({ dir, runId: 'release-1', to: 'start' })
  console.log(`rollback: restored ${undo.restored.join(', ')}; removed ${undo.removed.join(', ')}`)
  console.log(`src/version.txt is ${readFileSync(join(dir, 'src/version.txt'), 'utf8').trim()} again`)

  // Share the run's journal through git and read it back into another store.
  const exported = await exportRun({ dir, runId: 'release-1', store })
  const elsewhere = memoryStore()
  const imported = await importRun({ dir, ref: exported.ref, store: elsewhere, fingerprint: release.fingerprint })
  console.log(`journal: exported ${exported.events} events to ${exported.ref}, imported ${imported.events} verified events`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
