// The window's only way to the engine: typed wrappers over golive's Tauri commands. A
// command that fails rejects with the engine's Problem ({kind, code, message, fix, link});
// views show it with showProblem (findings.ts), like a failed check.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { track } from "./busy";
import type {
  AppView,
  BillingPlan,
  BillingRun,
  Candidates,
  CatalogApplied,
  CatalogPlan,
  CloudflareLogin,
  DeployOutcome,
  DeployPlan,
  ConnectResult,
  Mode,
  Endpoint,
  RotateChoice,
  RotatePlan,
  AuditRecord,
  Audited,
  Rotated,
  RehearsalInputs,
  SecretStatus,
  SecretsPushed,
  SmokePlan,
  SmokeState,
  StepEvent,
  StepId,
  Verified,
  WebhookEnsured,
  WebhookPlan,
} from "./types";

export const api = {
  appView: () => invoke<AppView>("app_view"),
  setMode: (mode: Mode) => invoke<AppView>("set_mode", { mode }),
  openProject: (mode: Mode, projectDir: string) => invoke<AppView>("open_project", { mode, projectDir }),
  newProject: () => invoke<AppView>("new_project"),
  rehearsalInputs: () => invoke<RehearsalInputs>("rehearsal_inputs"),
  cloudflareToken: (token: string, projectDir: string) =>
    track(invoke<CloudflareLogin>("cloudflare_token", { token, projectDir })),
  cloudflareLogin: (projectDir: string) => track(invoke<CloudflareLogin>("cloudflare_login", { projectDir })),
  cloudflareTokenPage: () => invoke<string>("cloudflare_token_page"),
  /** The rehearsal's Dashboard "Roll key": a new made-up live key (rehearsal only). */
  rehearsalRollKey: () => invoke<string>("rehearsal_roll_key"),
  checkConnect: (testKey: string, liveKey: string, projectDir: string) =>
    track(invoke<ConnectResult>("check_connect", { testKey, liveKey, projectDir })),
  planCatalog: (expectedTiers: string[] | null, acceptSuggestions: boolean) =>
    track(invoke<CatalogPlan>("plan_catalog", { expectedTiers, acceptSuggestions })),
  applyCatalog: (expectedTiers: string[] | null, acceptSuggestions: boolean) =>
    track(invoke<CatalogApplied>("apply_catalog", { expectedTiers, acceptSuggestions })),
  webhookCandidates: (workerEnv: string | null) => invoke<Candidates>("webhook_candidates", { workerEnv }),
  planWebhook: (url: string, extraEvents: string[]) =>
    track(invoke<WebhookPlan>("plan_webhook", { url, extraEvents })),
  ensureWebhook: (url: string, extraEvents: string[]) =>
    track(invoke<WebhookEnsured>("ensure_webhook", { url, extraEvents })),
  disableEndpoints: (ids: string[]) => invoke<Endpoint[]>("disable_endpoints", { ids }),
  secretsPreview: () => invoke<SecretStatus[]>("secrets_preview"),
  deployPlan: () => track(invoke<DeployPlan>("deploy_plan")),
  deploy: () => track(invoke<DeployOutcome>("deploy")),
  pushSecrets: () =>
    track(invoke<SecretsPushed>("push_secrets")),
  runVerify: () =>
    track(invoke<Verified>("run_verify")),
  saveReport: () => invoke<string | null>("save_report"),
  openReport: () => invoke<void>("open_report"),
  goTo: (step: StepId) => invoke<AppView>("go_to", { step }),
  runAudit: () => track(invoke<Audited>("run_audit")),
  auditStatus: () => invoke<AuditRecord>("audit_status"),
  auditConfirm: (id: string, confirmed: boolean) => invoke<AuditRecord>("audit_confirm", { id, confirmed }),
  rotatePlan: (choice: RotateChoice) => invoke<RotatePlan>("rotate_plan", { choice }),
  rotateStatus: () => invoke<Rotated>("rotate_status"),
  rotateStart: (choice: RotateChoice, newKey: string | null, newSecret: string | null) =>
    track(invoke<Rotated>("rotate_start", { choice, newKey, newSecret })),
  rotateContinue: (newKey: string | null, newSecret: string | null) =>
    track(invoke<Rotated>("rotate_continue", { newKey, newSecret })),
  smokePlan: () => invoke<SmokePlan>("smoke_plan"),
  /** Starts (or resumes) a smoke purchase; with a real account the checkout opens in the browser. */
  smokeStart: (tier: string | null, email: string | null, returnUrl: string | null) =>
    track(invoke<SmokeState>("smoke_start", { tier, email, returnUrl })),
  smokeOpenCheckout: () => invoke<void>("smoke_open_checkout"),
  /** The rehearsal's customer completes the checkout (refused with a real account). */
  smokeCompleteCheckout: () => track(invoke<null>("smoke_complete_checkout")),
  /** Waits up to `minutes` for the checkout, then proves the purchase (and opens the portal). */
  smokeWatch: (minutes: number) => track(invoke<SmokeState>("smoke_watch", { minutes })),
  smokeOpenPortal: () => track(invoke<void>("smoke_open_portal")),
  smokeFinish: (asExpected: boolean) => track(invoke<SmokeState>("smoke_finish", { asExpected })),
  smokeStop: () => track(invoke<SmokeState>("smoke_stop")),
  smokeDeleteCustomer: () => track(invoke<SmokeState>("smoke_delete_customer")),
  billingPlan: () => invoke<BillingPlan>("billing_plan"),
  /** Runs the billing rehearsal's `scenarios` (empty: every one); `shuffle` delivers every
   * event twice and out of order. Cancel stops it (its clocks are deleted either way). */
  billingRun: (scenarios: string[], shuffle: boolean) => track(invoke<BillingRun>("billing_run", { scenarios, shuffle })),
  /** Stops the long step that is running; it rejects with a "cancelled" problem. */
  cancel: () => invoke<boolean>("cancel"),
  pickFolder: () => invoke<string | null>("pick_folder"),
  openLink: (url: string) => invoke<void>("open_link", { url }),
  /** Says the first view is painted, with the page's timing marks (ms since navigation). */
  firstPaint: (marks: PageMark[]) => invoke<void>("first_paint", { marks }),
  about: () => invoke<string>("about"),
  onStepEvent: (handler: (event: StepEvent) => void): Promise<UnlistenFn> =>
    listen<StepEvent>("step-event", (e) => handler(e.payload)),
};

/** A named moment of the page's start, in ms since its navigation began. */
export interface PageMark {
  name: string;
  ms: number;
}

export type Api = typeof api;
