// sandbench's library API: everything the CLI does, callable from code.
export * from './errors/sandbench-error.ts';
export * from './errors/exit-codes.ts';
export * from './schemas/limits.ts';
export * from './schemas/execution-result.ts';
export * from './schemas/task.ts';
export * from './schemas/sample-result.ts';
export * from './schemas/runtime-profile.ts';
export { joinProgram, type Sandbox, type SandboxBatchRequest, type SandboxCapabilities, type SandboxRunRequest } from './sandboxes/sandbox.ts';
export { createSandbox, SandboxSet, type SandboxOptions, type SandboxSpec } from './sandboxes/resolve-sandbox.ts';
export { IsolateSandbox } from './sandboxes/isolate-sandbox.ts';
export { buildImages } from './images/build-images.ts';
export { doctor, formatDoctorReport } from './images/doctor.ts';
export { DockerSandbox, RECYCLE_POLICIES, type DockerSandboxOptions, type RecyclePolicy } from './sandboxes/docker-sandbox.ts';
export type { Model, ModelCoverage, ModelMessage, ModelStatus, ModelTool, ModelToolCall, GenerateRequest, GenerateResponse } from './models/model.ts';
export { ResponseCache, defaultCacheFolder } from './models/response-cache.ts';
export { ReplayModel } from './models/replay-model.ts';
export { resolveModel, type ResolveModelOptions } from './models/resolve-model.ts';
export {
  loadModelConfig,
  parseModelConfig,
  modelConfigSchema,
  providerConfigSchema,
  modelSettingsSchema,
  PROVIDER_TYPES,
  type ModelConfig,
  type ProviderConfig,
  type ModelSettings,
  type ProviderType,
  type LoadedModelConfig,
  type LoadModelConfigOptions,
} from './models/model-config.ts';
export { ProviderModel, type ProviderModelOptions, type ProviderModelDescription } from './models/provider-model.ts';
export { RateLimiter, type RateLimits, type RateLimiterOptions, type RateLimitPermit, type LimiterClock } from './models/rate-limiter.ts';
export { DEFAULT_RETRY_POLICY, type RetryPolicyOptions } from './models/retry-policy.ts';
export { extractCode } from './models/extract-code.ts';
export { compareOutput } from './scoring/compare-output.ts';
export { judgeTest, judgeSandboxError } from './scoring/judge-test.ts';
export { passAtK, passAtKSummary } from './scoring/pass-at-k.ts';
export { passHatK, passHatKSummary } from './scoring/pass-hat-k.ts';
export { passAt1Interval } from './scoring/pass-at-1-interval.ts';
export { wilsonInterval } from './scoring/wilson-interval.ts';
export { loadDataset } from './datasets/load-dataset.ts';
export { loadSuite, type Suite, type LoadSuiteOptions } from './datasets/load-suite.ts';
export { loadTaskFile, loadTaskFolder } from './datasets/task-files.ts';
export { assembleProgram } from './harness/assemble-program.ts';
export { scoreCompletion, type CompletionScore } from './harness/score-completion.ts';
export { runSuite, type GenerationParameters, type RunSuiteOptions, type RunSuiteResult, type RunProgress } from './harness/run-suite.ts';
export {
  scoreSamples,
  readSamplesFile,
  matchSamples,
  resultRecords,
  type SampleLine,
  type ScoreSamplesOptions,
  type ScoreSamplesResult,
  type ScoreSamplesSummary,
} from './harness/score-samples.ts';
export { validateSuite, type SuiteValidation, type TaskValidation, type ValidationProblem } from './harness/validate-suite.ts';
export { RunJournal } from './harness/run-journal.ts';
export { summarizeRun } from './harness/summarize-run.ts';
export { runtimeProfile, loadRuntimeProfiles } from './runtimes/runtime-profiles.ts';
export { transpileTypescript } from './runtimes/transpile-typescript.ts';
export { SANDBENCH_VERSION } from './version.ts';
export { taskFileJsonSchema, type JsonSchema } from './schemas/task-file-json-schema.ts';
export { readRuns, type ReadRuns } from './report/read-runs.ts';
export { formatLeaderboard, formatSummary } from './report/format-summary.ts';
export { identityDifferences, runManifestSchema, suiteFingerprint, type RunManifest, type RunPart } from './harness/run-manifest.ts';
export * from './schemas/names.ts';
export { buildReport, MAX_COMPARED_MODELS, type BuildReportOptions } from './report/build-report.ts';
export * from './report/report-data.ts';
export { formatLeaderboardCsv, formatMatrixCsv, formatReportMarkdown, formatReportTable } from './report/format-report.ts';
export { mcnemarExactPValue, pairedBootstrap, type PairedBootstrap } from './scoring/paired-comparison.ts';
export { createServer, type CreateServerOptions, type SandbenchServer } from './server/create-server.ts';
