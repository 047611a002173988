// Mirrors of the engine's types as the Tauri commands return them (serde's JSON).

export type Mode = "real" | "rehearsal";
export type StepId = "connect" | "catalog" | "price_ids" | "webhook" | "secrets" | "audit" | "verify" | "smoke" | "rotate" | "billing";
export type Status = "pass" | "warn" | "fail";

export interface Link {
  label: string;
  url: string;
}

export interface Finding {
  check: string;
  status: Status;
  title: string;
  detail: string;
  fix: string | null;
  link: Link | null;
}

/** The engine's one error type: what stopped a command, what to do, and where. */
export interface Problem {
  kind: "invalid_input" | "not_ready" | "refused" | "internal";
  code: string;
  message: string;
  fix: string;
  link: Link | null;
}

/** A project with a session on this computer. */
export interface RecentProject {
  mode: Mode;
  project_dir: string;
  worker: string | null;
  current: StepId;
  verified: boolean;
  saved_at: number;
}

export interface StepView {
  id: StepId;
  title: string;
  reachable: boolean;
  done: boolean;
}

export interface ConnectOutcome {
  account: { id: string; name: string; charges_enabled: boolean };
  test_key_hint: string;
  live_key_hint: string;
  live_key_restricted: boolean;
  worker: {
    config: { name: string; file: string; environments: Record<string, unknown> };
    wrangler: { version: string; program: string };
    whoami: { email: string | null };
  };
}

export interface AppView {
  mode: Mode;
  current: StepId;
  steps: StepView[];
  project_dir: string | null;
  connect: ConnectOutcome | null;
  catalog: CatalogRecord;
  worker_env: string | null;
  webhook: WebhookRecord | null;
  secrets: SecretsRecord | null;
  verify: VerifyReport | null;
  load_problem: string | null;
  recent: RecentProject[];
  choose_project: boolean;
}

export interface KeyProblem {
  code: string;
  message: string;
  fix: string;
}

export interface ConnectReport {
  findings: Finding[];
  outcome: ConnectOutcome | null;
}

export type ConnectResult =
  | { kind: "key_problems"; test: KeyProblem | null; live: KeyProblem | null }
  | { kind: "report"; report: ConnectReport; view: AppView };

export interface RehearsalInputs {
  test_key: string;
  live_key: string;
  project_dir: string;
  cloudflare_token: string;
}

/** What a deploy would run (each command as typed in the project folder) and change. */
export interface DeployPlan {
  worker: string;
  folder: string;
  config_file: string;
  env: string | null;
  deployed: boolean;
  actions: { kind: "create_kv" | "deploy"; binding?: string; command: string; changes: string }[];
}

export interface DeployOutcome {
  kv: [string, string][];
  deployed: boolean;
  url: string | null;
}

/** Who wrangler reaches Cloudflare as (never the token). */
export interface CloudflareLogin {
  email: string | null;
  via: "api_token" | "oauth";
  accounts: { id: string; name: string }[];
}

export type StepEvent =
  | { kind: "progress"; step: StepId; item: string; done: number; total: number; message: string }
  | { kind: "finding"; step: StepId; finding: Finding };

export type PlanAction =
  | { kind: "create_product" }
  | { kind: "create_price" }
  | { kind: "create_meter" }
  | { kind: "set_default_price" }
  | { kind: "live"; live_id: string }
  | { kind: "conflict"; live_id: string; reason: string }
  | { kind: "skipped"; reason: string };

export interface PlanRow {
  object: "product" | "price" | "meter" | "default_price";
  test_id: string;
  test_product: string;
  tier: string | null;
  name: string;
  terms: string | null;
  action: PlanAction;
  not_copied?: { field: string; reason: string }[];
}

export interface CatalogProblem {
  product_id: string;
  product_name: string;
  severity: "blocking" | "warning";
  code: string;
  message: string;
  fix: string;
  suggestion: string | null;
}

export interface CatalogPlan {
  rows: PlanRow[];
  problems: CatalogProblem[];
  blocked: boolean;
}

export interface PriceIdVar {
  name: string;
  price_id: string;
  tier: string;
  terms: string;
}

export interface PortalOutcome {
  id: string;
  reused: boolean;
}

export interface CatalogRecord {
  created: { object: string; test_id: string; live_id: string; tier: string | null }[];
  price_ids: PriceIdVar[] | null;
  portal: PortalOutcome | null;
}

export interface CatalogApplied {
  outcome: { created: unknown[]; failed: { test_id: string; name: string; reason: string }[] };
  price_ids: PriceIdVar[];
  portal: PortalOutcome | null;
  view: AppView;
}

export interface WebhookRecord {
  url: string;
  endpoint_id: string | null;
  events: string[];
  api_version: string | null;
  pending_create: string | null;
  pending_since?: number | null;
  secret_entry: string | null;
}

export interface UrlCandidate {
  url: string;
  source: string;
}

export interface Candidates {
  candidates: UrlCandidate[];
  environments: string[];
  note: string | null;
}

export interface Endpoint {
  id: string;
  url: string;
  status: string;
  enabled_events: string[];
  api_version: string | null;
  description: string | null;
}

export type Role = { kind: "use" } | { kind: "duplicate"; reason: string } | { kind: "other" };

export interface FoundEndpoint {
  endpoint: Endpoint;
  same_url: boolean;
  role: Role;
}

export type WebhookAction = { kind: "reuse"; id: string; add_events: string[]; enable: boolean } | { kind: "create" };

export interface WebhookPlan {
  url: string;
  events: string[];
  api_version: string;
  account_default_api_version: string | null;
  action: WebhookAction;
  endpoints: FoundEndpoint[];
  findings: Finding[];
}

export interface WebhookEnsured {
  outcome: { endpoint: Endpoint; created: boolean; plan: WebhookPlan };
  view: AppView;
}

export interface SecretStatus {
  name: string;
  hint: string;
  in_keyring: boolean;
  pushed: boolean;
  confirmed: boolean;
}

export interface SecretsRecord {
  script: string;
  env: string | null;
  in_keyring: string[];
  pushed: string[];
  confirmed: string[];
}

export interface SecretsPushed {
  statuses: SecretStatus[];
  record: SecretsRecord;
  view: AppView;
}

export interface VerifyReport {
  findings: Finding[];
  checked_at: number;
  account_id: string;
  account_name: string;
  script: string;
  worker_env: string | null;
  endpoint_url: string;
  endpoint_id: string;
  price_ids: PriceIdVar[];
  portal_id: string | null;
  secret_tails: [string, string][];
  // "rehearsal": checked against the local stand-ins, nothing is live.
  mode: Mode;
}

export interface Verified {
  report: VerifyReport;
  view: AppView;
}

export type RotateKind = "api-key" | "webhook-secret" | "all";
export type RotatePhase =
  | "await_new_key"
  | "push_key"
  | "prove_key"
  | "create_endpoint"
  | "await_new_secret"
  | "push_secrets"
  | "prove_secret"
  | "retire_endpoint"
  | "retire_previous"
  | "done";

export interface RotateChoice {
  kind: RotateKind;
  dashboard: boolean;
  oldSecretHours: number;
}

export interface RotatePlan {
  kind: RotateKind;
  steps: string[];
  dashboard: Link | null;
  open: Rotation | null;
  /** A gradual deployment of the Worker in progress: no rotation can start until it ends. */
  rollout: { message: string; fix: string; link: Link | null } | null;
}

export interface Rotation {
  id: string;
  kind: RotateKind;
  phase: RotatePhase;
  started: number;
  timeline: { phase: RotatePhase; at: number; note: string }[];
  waiting: { message: string; fix: string; link: Link | null } | null;
  worker_versions: number;
  dashboard: boolean;
}

export interface Retiring {
  entry: string;
  hint: string;
  since: number;
}

export interface Rotated {
  rotation: Rotation | null;
  retiring: Retiring[];
  view: AppView;
}

export interface ManualState {
  id: string;
  title: string;
  why: string;
  link: Link | null;
  /** When the user confirmed it (Unix time), or null. */
  confirmed_at: number | null;
}

/** The audit as it stands (golive::audit::AuditState): the last run, the checks whose
 * failure blocks the go-live, and every manual item with its tick. */
export interface AuditRecord {
  report: { ran_at: number; findings: Finding[]; commits: number; blobs: number; elapsed_ms: number } | null;
  blocking: string[];
  manual: ManualState[];
}

export interface Audited {
  record: AuditRecord;
  view: AppView;
}

/** A tier the smoke purchase can buy (golive::wizard::SmokeTier). */
export interface SmokeTier {
  tier: string;
  price_id: string;
  /** The live price in words ("29.00 USD / month"). */
  terms: string;
}

export type SmokePhase = "preparing" | "awaiting_checkout" | "awaiting_portal" | "done" | "abandoned";

/** One smoke purchase as the session keeps it (golive::smoke::SmokeRun). The checkout link
 * is in it (the engine opens it); the window never shows it. */
export interface SmokeRun {
  id: string;
  tier: string;
  price_id: string;
  terms: string;
  email: string;
  return_url: string;
  started: number;
  expires_at: number;
  phase: SmokePhase;
  coupon: string | null;
  promotion_code: string | null;
  code: string | null;
  checkout_session: string | null;
  checkout_url: string | null;
  customer: string | null;
  subscription: string | null;
  invoice: string | null;
  amount_total: number | null;
  currency: string | null;
  events: string[];
  portal: { as_expected: boolean; at: number } | null;
  cleanup: { coupon_deleted: boolean; code_deactivated: boolean; checkout_expired: boolean; customer_deleted: boolean };
  findings: Finding[];
  finished: number | null;
}

export interface SmokeRecord {
  open: SmokeRun | null;
  history: SmokeRun[];
}

/** What the Smoke purchase step offers before anything is made (golive::wizard::SmokePlan). */
export interface SmokePlan {
  tiers: SmokeTier[];
  email: string | null;
  return_url: string;
  steps: string[];
  record: SmokeRecord;
  /** The checkout is completed by a button instead of a browser. */
  rehearsal: boolean;
}

/** A run and where it stands after a call (golive::wizard::SmokeState, with the view). */
export interface SmokeState {
  run: SmokeRun;
  /** After a watch: the checkout is still open, with this many seconds left. */
  waiting_seconds_left: number | null;
  /** Always null in the window: the portal link is opened in Rust and never sent here. */
  portal_url: null;
  view: AppView;
}

/** One scenario the billing rehearsal can run (golive::wizard::BillingScenario). */
export interface BillingScenario {
  id: string;
  title: string;
  /** The card in words. */
  card: string;
  trial_days: number | null;
  /** The phases' names, in order. */
  phases: string[];
}

/** A tier of the test catalog (golive::billing::TestTier). */
export interface TestTier {
  tier: string;
  price_id: string;
  unit_amount: number;
  interval: string;
}

/** One event delivered to the Worker: its id, type, the Worker's HTTP status, and whether it
 * was a second copy (the shuffle). */
export interface BillingDelivery {
  event: string;
  kind: string;
  status: number;
  copy: boolean;
}

/** One phase as it happened (golive::billing::PhaseResult). */
export interface PhaseResult {
  name: string;
  /** The test clock's time after the phase (Unix time). */
  clock_time: number;
  status: string;
  expected_status: string;
  expected_tier: string;
  /** What the Worker kept (null: nothing stored, read as free). */
  worker_tier: string | null;
  deliveries: BillingDelivery[];
  finding: Finding;
}

/** One scenario as it ran (golive::billing::ScenarioResult). */
export interface ScenarioResult {
  id: string;
  title: string;
  tier: string;
  card: string;
  clock: string | null;
  customer: string | null;
  subscription: string | null;
  phases: PhaseResult[];
  /** Set when the scenario could not run to its end (or was skipped), with why. */
  stopped: Finding | null;
}

/** A whole billing rehearsal (golive::billing::BillingReport). */
export interface BillingReport {
  run: string;
  started: number;
  finished: number;
  shuffled: boolean;
  scenarios: ScenarioResult[];
  clocks_deleted: number;
  clocks_left: string[];
}

/** What the Billing rehearsal step offers before anything runs (golive::wizard::BillingPlan). */
export interface BillingPlan {
  scenarios: BillingScenario[];
  /** The test catalog's tiers, cheapest first. */
  tiers: TestTier[];
  last: BillingReport | null;
}

/** A run's report with the view after it. */
export type BillingRun = BillingReport & { view: AppView };
