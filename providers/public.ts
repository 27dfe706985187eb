/**
 * `locflow/provider`: what a provider plugin needs from locflow — the contract
 * types, ProviderError and its reasons, and the conformance kit.
 */
export { PROVIDER_CONTRACT_VERSION, withNotices } from './contract.js';
export type { LanguagePair, Notice, PluginFactory, ProviderHealth, ProviderLimits, ProviderSegment, TranslateRequest, TranslateResponse, TranslationProvider } from './contract.js';
export { PROVIDER_FAILURES, ProviderError, type ProviderFailure } from '../pipeline/errors.js';
export { classifyStatus, parseRetryAfter } from './http.js';
export {
  CONFORMANCE_CHECKS,
  CONFORMANCE_REASONS,
  runConformance,
  startFaultEngine,
  type CheckResult,
  type ConformanceOptions,
  type ConformanceReport,
  type FaultEngine,
  type FaultKind,
  type ReasonKey,
} from './conformance.js';
