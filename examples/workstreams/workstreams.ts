/**
 * The 23 workstreams of the audit (shared/seed/audit-workstreams.md): id, name, hours and
 * "blocked by". The test suite checks this table against the seed file when it is present.
 */
export interface Workstream {
  readonly id: string
  readonly name: string
  readonly hours: number
  readonly blockedBy: readonly string[]
}

export const workstreams: readonly Workstream[] = [
  { id: 'WS-01', name: 'Schema Runtime Enforcement & Contract Validation', hours: 46, blockedBy: [] },
  { id: 'WS-02', name: 'Security & Secrets Foundation', hours: 52, blockedBy: [] },
  { id: 'WS-03', name: 'Core Testing Infrastructure', hours: 56, blockedBy: [] },
  { id: 'WS-04', name: 'Documentation & Code Quality', hours: 48, blockedBy: [] },
  { id: 'WS-05', name: 'Schema CI/CD Integration', hours: 26, blockedBy: ['WS-01', 'WS-02'] },
  { id: 'WS-06', name: 'CLI Core Operations', hours: 42, blockedBy: ['WS-01'] },
  { id: 'WS-07', name: 'Workflow Templates & Composition', hours: 48, blockedBy: ['WS-01'] },
  { id: 'WS-08', name: 'Determinism Core', hours: 44, blockedBy: ['WS-01'] },
  { id: 'WS-09', name: 'Observability Core', hours: 50, blockedBy: ['WS-01'] },
  { id: 'WS-10', name: 'Resilience & Circuit Breakers', hours: 44, blockedBy: ['WS-08'] },
  { id: 'WS-11', name: 'Self-Healing Implementation', hours: 48, blockedBy: ['WS-10'] },
  { id: 'WS-12', name: 'Parallel Orchestration Foundation', hours: 52, blockedBy: ['WS-08'] },
  { id: 'WS-13', name: 'Parallel Orchestration Advanced', hours: 48, blockedBy: ['WS-12'] },
  { id: 'WS-14', name: 'Workflow Rollback & Safety', hours: 56, blockedBy: ['WS-07'] },
  { id: 'WS-15', name: 'Git Integration & Bidirectional Ops', hours: 48, blockedBy: ['WS-06', 'WS-12'] },
  { id: 'WS-16', name: 'Observability Advanced', hours: 36, blockedBy: ['WS-09'] },
  { id: 'WS-17', name: 'Contract & E2E Testing', hours: 56, blockedBy: ['WS-03', 'WS-05'] },
  { id: 'WS-18', name: 'Configuration & Architecture', hours: 60, blockedBy: ['WS-01'] },
  { id: 'WS-19', name: 'Database & Health Operations', hours: 52, blockedBy: ['WS-02'] },
  { id: 'WS-20', name: 'API & GUI Foundation', hours: 56, blockedBy: ['WS-05', 'WS-09'] },
  { id: 'WS-21', name: 'Advanced Testing & Quality', hours: 56, blockedBy: ['WS-03'] },
  { id: 'WS-22', name: 'Workflow Scheduling', hours: 48, blockedBy: ['WS-07'] },
  { id: 'WS-23', name: 'VS Code Extension & GUI', hours: 72, blockedBy: ['WS-05', 'WS-16'] },
]
