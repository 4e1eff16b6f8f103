import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, fileStore, memoryStore, RunExistsError, workflow, type JournalEvent, type RunStore } from '../../src/index.js'
import { exportRun, gitCheckpoints, GitJournalError, importRun, journalRef } from '../../src/git/index.js'
import { fsck, git, gitEnv, removeDir, tempRepo } from './git-fixture.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d)
})
async function journal(store: RunStore, runId: string): Promise<JournalEvent[]> {
  const out: JournalEvent[] = []
  for await (const e of store.read(runId)) out.push(e)
  return out
}

const wf = workflow('shared', { input: Type.Object({ n: Type.Number() }) })
  .step('double', { output: Type.Number(), run: ({ input }) => input.n * 2 })
  .step('flaky', { needs: ['double'], output: Type.String(), run: ({ deps }) => `unicode ✓ ${deps.double} "quoted"\n` })
  .build()

async function recordedRun(dir: string) {
  const store = memoryStore()
  const result = await createEngine({ store, plugins: [gitCheckpoints({ dir })] }).run(wf, { n: 21 }, { runId: 'shared-1', seed: 99 })
  expect(result.status).toBe('succeeded')
  return store
}

/** Writes a commit holding `files` with the git CLI (as a tamperer would) and returns its id. */
function commitTree(dir: string, files: Record<string, string>, message: string): string {
  const entries = Object.entries(files).map(([name, text]) => {
    const oid = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, env: gitEnv, input: text, encoding: 'utf8' }).trim()
    return `100644 blob ${oid}\t${name}`
  })
  const tree = execFileSync('git', ['mktree'], { cwd: dir, env: gitEnv, input: `${entries.join('\n')}\n`, encoding: 'utf8' }).trim()
  return git(dir, 'commit-tree', tree, '-m', message).trim()
}

describe('exportRun / importRun', () => {
  it('round-trips a journal exactly, through git push and fetch', async () => {
    const dir = tempRepo({ 'a.txt': 'a' })
    dirs.push(dir)
    const store = await recordedRun(dir)
    const original = await journal(store, 'shared-1')
    const exported = await exportRun({ dir, runId: 'shared-1', store })
    expect(exported).toMatchObject({ ref: 'refs/weft/journal/shared-1', events: original.length })
    expect(journalRef('shared-1')).toBe(exported.ref)

    // What git sees: one JSON line per event, and meta.json sealing it.
    const text = git(dir, 'show', `${exported.ref}:journal.jsonl`)
    expect(text.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(original)
    const meta = JSON.parse(git(dir, 'show', `${exported.ref}:meta.json`))
    expect(meta).toMatchObject({ format: 'weft-journal/1', events: original.length, sha256: createHash('sha256').update(text).digest('hex'), run: { runId: 'shared-1', workflowId: 'shared', fingerprint: wf.fingerprint } })
    expect(git(dir, 'status', '--porcelain')).toBe('')
    expect(fsck(dir).ok).toBe(true)

    // Another clone fetches the ref and imports it.
    const other = tempRepo()
    dirs.push(other)
    git(other, 'fetch', '-q', dir, 'refs/weft/journal/*:refs/weft/journal/*')
    const target = memoryStore()
    const imported = await importRun({ dir: other, ref: 'refs/weft/journal/shared-1', store: target, fingerprint: wf.fingerprint })
    expect(imported).toEqual({ runId: 'shared-1', commit: exported.commit, events: original.length })
    expect(await journal(target, 'shared-1')).toEqual(original)
    const summary = await target.get('shared-1')
    const source = await store.get('shared-1')
    expect(summary).toEqual(source)

    // The run is complete again: the engine returns its recorded result.
    const handle = await createEngine({ store: target }).resume('shared-1', wf)
    const result = await handle.result
    expect(result.status).toBe('succeeded')

    // Importing twice is the store's RunExistsError.
    await expect(importRun({ dir: other, ref: 'refs/weft/journal/shared-1', store: target })).rejects.toBeInstanceOf(RunExistsError)
  })

  it('a second export stacks on the first', async () => {
    const dir = tempRepo({ 'a.txt': 'a' })
    dirs.push(dir)
    const store = await recordedRun(dir)
    const one = await exportRun({ dir, runId: 'shared-1', store })
    const two = await exportRun({ dir, runId: 'shared-1', store })
    expect(git(dir, 'rev-parse', `${two.commit}^`).trim()).toBe(one.commit)
  })

  it('rejects tampered journal commits with every problem listed, writing nothing', async () => {
    const dir = tempRepo({ 'a.txt': 'a' })
    dirs.push(dir)
    const store = await recordedRun(dir)
    const { ref } = await exportRun({ dir, runId: 'shared-1', store })
    const text = git(dir, 'show', `${ref}:journal.jsonl`)
    const meta = JSON.parse(git(dir, 'show', `${ref}:meta.json`)) as { sha256: string; run: { fingerprint: string }; events: number }
    const sha = (s: string) => createHash('sha256').update(s).digest('hex')
    const lines = text.trimEnd().split('\n')

    const cases: [string, Record<string, string>, string[]][] = []
    // 1. An output edited, meta left alone.
    const edited = text.replace('"output":42', '"output":43')
    expect(edited).not.toBe(text)
    cases.push(['edited output', { 'journal.jsonl': edited, 'meta.json': JSON.stringify(meta) }, ['sha256-mismatch']])
    // 2. An event dropped and the checksum recomputed: the sequence has a gap.
    const dropped = `${[lines[0], ...lines.slice(2)].join('\n')}\n`
    cases.push(['dropped event', { 'journal.jsonl': dropped, 'meta.json': JSON.stringify({ ...meta, sha256: sha(dropped), events: lines.length - 1 }) }, ['seq-gap']])
    // 3. The header's fingerprint changed.
    cases.push(['fingerprint', { 'journal.jsonl': text, 'meta.json': JSON.stringify({ ...meta, run: { ...meta.run, fingerprint: 'f'.repeat(32) } }) }, ['fingerprint-mismatch']])
    // 4. Not a journal event at all, and a missing meta.json.
    cases.push(['garbage', { 'journal.jsonl': '{"hello":1}\n' }, ['missing-meta']])
    const garbage = '{"seq":1,"type":"nope"}\nnot json\n'
    cases.push(['invalid events', { 'journal.jsonl': garbage, 'meta.json': JSON.stringify({ ...meta, sha256: sha(garbage) }) }, ['invalid-event', 'invalid-event', 'event-count', 'no-start']])

    for (const [name, files, codes] of cases) {
      const commit = commitTree(dir, files, `tampered: ${name}`)
      const target = memoryStore()
      const error = await importRun({ dir, ref: commit, store: target }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error, name).toBeInstanceOf(GitJournalError)
      expect((error as GitJournalError).code).toBe('WEFT_GIT_JOURNAL')
      expect((error as GitJournalError).data.problems.map((p) => p.code), name).toEqual(codes)
      expect(await target.get('shared-1'), name).toBeUndefined()
    }

    // A commit whose message seals another checksum than its meta.json.
    const sealed = commitTree(dir, { 'journal.jsonl': edited, 'meta.json': JSON.stringify({ ...meta, sha256: sha(edited) }) }, `tampered\n\nWeft-Journal-Sha256: ${meta.sha256}`)
    await expect(importRun({ dir, ref: sealed, store: memoryStore() })).rejects.toMatchObject({ data: { problems: [{ code: 'sha256-mismatch' }] } })
    // The intact export still imports.
    await expect(importRun({ dir, ref, store: memoryStore() })).resolves.toMatchObject({ events: meta.events })
    // ... but not as a run of another definition.
    await expect(importRun({ dir, ref, store: memoryStore(), fingerprint: '0'.repeat(32) })).rejects.toMatchObject({ data: { problems: [{ code: 'fingerprint-mismatch' }] } })
  })

  it('refuses imports that would escape the store (run ids with ../, absolute paths, NUL) or pollute prototypes', async () => {
    const dir = tempRepo({ 'a.txt': 'a' })
    dirs.push(dir)
    const store = await recordedRun(dir)
    const { ref } = await exportRun({ dir, runId: 'shared-1', store })
    const text = git(dir, 'show', `${ref}:journal.jsonl`)
    const meta = JSON.parse(git(dir, 'show', `${ref}:meta.json`)) as { sha256: string; run: { runId: string }; events: number }
    const sha = (s: string) => createHash('sha256').update(s).digest('hex')
    const target = mkdtempSync(join(tmpdir(), 'weft-import-'))
    dirs.push(target)
    for (const [i, runId] of ['../escaped', '/tmp/absolute', 'nul\u0000byte', '..'].entries()) {
      const moved = text.replaceAll('"runId":"shared-1"', `"runId":${JSON.stringify(runId)}`)
      const commit = commitTree(dir, { 'journal.jsonl': moved, 'meta.json': JSON.stringify({ ...meta, sha256: sha(moved), run: { ...meta.run, runId } }) }, `escape attempt ${i}`)
      const fs = fileStore(join(target, 'store'))
      await expect(importRun({ dir, ref: commit, store: fs }), runId).rejects.toMatchObject({ code: 'WEFT_INVALID_RUN_ID' })
      await fs.close()
    }
    expect(readdirSync(target)).toEqual(['store'])
    // A prototype-polluting key in an imported event is refused with its line, nothing written.
    const polluted = text.replace('{"seq":1,', '{"__proto__":{"polluted":true},"seq":1,')
    const commit = commitTree(dir, { 'journal.jsonl': polluted, 'meta.json': JSON.stringify({ ...meta, sha256: sha(polluted) }) }, 'polluted')
    const error = await importRun({ dir, ref: commit, store: memoryStore() }).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(GitJournalError)
    expect((error as GitJournalError).data.problems[0]).toMatchObject({ code: 'invalid-event', line: 1, message: expect.stringContaining('__proto__') })
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })
})
