/**
 * Contracts: TypeBox schemas compiled once and checked at every boundary.
 * @packageDocumentation
 */
export { compile, check } from './compile.js'
export { assert, issuesOf, type ContractSite } from './assert.js'
export { isContract } from './is-contract.js'
export { dataProblems, parseUntrustedJson, UntrustedDataError, type DataLimits, type DataProblem } from './untrusted-data.js'
export {
  ContractViolation,
  type ContractDirection,
  type ContractIssue,
  type ContractViolationData,
} from './contract-violation.js'
