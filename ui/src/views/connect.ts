// The Connect view: two masked key fields, the project folder, results appearing as the
// checks finish, and Continue once everything passes. Keys leave the DOM once Connect passes.

import type { Api } from "../api";
import { clear, h } from "../dom";
import { renderFinding, worstFirst, showProblem } from "../findings";
import type { AppView, CloudflareLogin, ConnectOutcome, KeyProblem, StepEvent } from "../types";

export interface ConnectViewDeps {
  api: Api;
  view: AppView;
  onView: (view: AppView) => void;
  onContinue: () => void;
}

function keyField(id: string, label: string, placeholder: string, help: string) {
  const input = h("input", {
    id,
    name: id,
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    placeholder,
    "aria-describedby": `${id}-help ${id}-problem`,
  });
  const reveal = h("button", { type: "button", class: "reveal", "aria-pressed": "false", "aria-controls": id }, "Show");
  reveal.addEventListener("click", () => {
    const shown = input.type === "text";
    input.type = shown ? "password" : "text";
    reveal.textContent = shown ? "Show" : "Hide";
    reveal.setAttribute("aria-pressed", String(!shown));
  });
  const problem = h("div", { id: `${id}-problem`, class: "field-problem", role: "alert" });
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("div", { class: "key-row" }, input, reveal),
    h("div", { id: `${id}-help`, class: "field-help" }, help),
    problem,
  );
  return { wrap, input, problem };
}

function showKeyProblem(el: HTMLElement, problem: KeyProblem | null): void {
  clear(el);
  if (!problem) return;
  el.append(h("strong", {}, problem.message), " ", problem.fix);
}

export function summary(outcome: ConnectOutcome): HTMLElement {
  return h(
    "dl",
    { class: "summary" },
    h("dt", {}, "Stripe account"),
    h("dd", {}, `${outcome.account.name} (${outcome.account.id})`),
    h("dt", {}, "Keys"),
    h("dd", {}, `${outcome.test_key_hint} · ${outcome.live_key_hint}`),
    h("dt", {}, "Worker"),
    h("dd", {}, `${outcome.worker.config.name} — ${outcome.worker.config.file}`),
    h("dt", {}, "wrangler"),
    h("dd", {}, `${outcome.worker.wrangler.version}, logged in as ${outcome.worker.whoami.email ?? "an API token"}`),
  );
}

/** Who wrangler reaches Cloudflare as, in words. */
export function describeLogin(login: CloudflareLogin): string {
  const who = login.email ?? "an API token";
  const how = login.via === "oauth" ? "logged in with your browser" : "with the API token golive keeps in your keyring";
  return `wrangler reaches Cloudflare as ${who} (${how}). Press Check again.`;
}

/**
 * Cloudflare login without a terminal: "Log in to Cloudflare" runs `wrangler login` (it opens
 * the browser), or an API token is pasted (checked by Cloudflare, kept in the keyring). Opened
 * by itself when Connect finds no login. The token leaves the page once it is taken.
 */
function cloudflarePanel(api: Api, folder: HTMLInputElement, onDone: () => void) {
  const token = h("input", {
    id: "cloudflare-token",
    name: "cloudflare-token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "Cloudflare API token",
    "aria-describedby": "cloudflare-token-help",
  });
  const status = h("div", { id: "cloudflare-status", class: "status", role: "status", "aria-live": "polite" });
  const login = h("button", { type: "button", id: "cloudflare-login", class: "secondary" }, "Log in to Cloudflare");
  const use = h("button", { type: "button", id: "cloudflare-use-token", class: "secondary" }, "Use this token");
  const page = h("button", { type: "button", id: "cloudflare-token-page", class: "link-button" }, "Create a token with golive's permissions");
  page.addEventListener("click", async () => {
    try {
      await api.openLink(await api.cloudflareTokenPage());
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    }
  });
  const done = (result: CloudflareLogin) => {
    token.value = "";
    clear(status);
    status.textContent = describeLogin(result);
    onDone();
  };
  login.addEventListener("click", async () => {
    login.disabled = use.disabled = true;
    status.textContent = "Running `wrangler login`: allow access in the browser window it opens…";
    try {
      done(await api.cloudflareLogin(folder.value));
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    } finally {
      login.disabled = use.disabled = false;
    }
  });
  use.addEventListener("click", async () => {
    login.disabled = use.disabled = true;
    status.textContent = "Checking the token with Cloudflare…";
    try {
      done(await api.cloudflareToken(token.value, folder.value));
    } catch (err) {
      token.value = "";
      showProblem(status, err, (url) => void api.openLink(url));
      token.focus();
    } finally {
      login.disabled = use.disabled = false;
    }
  });
  const panel = h(
    "details",
    { id: "cloudflare", class: "cloudflare" },
    h("summary", {}, "Cloudflare login"),
    h("p", {}, "golive runs wrangler, which needs to reach your Cloudflare account. Log in with your browser, or paste an API token."),
    h("div", { class: "actions" }, login),
    h(
      "div",
      { class: "field" },
      h("label", { for: "cloudflare-token" }, "Or an API token"),
      h("div", { class: "key-row" }, token, use),
      h("div", { id: "cloudflare-token-help", class: "field-help" }, "Cloudflare shows it once after “Create Token”. golive keeps it in your keyring and gives it to wrangler only. ", page),
    ),
    status,
  ) as HTMLDetailsElement;
  return { panel, token, status };
}

export function renderConnect(root: HTMLElement, deps: ConnectViewDeps): () => void {
  const { api, view } = deps;
  clear(root);
  const test = keyField("test-key", "Stripe test secret key", "sk_test_…", "Dashboard → Developers → API keys, with Test mode on.");
  const live = keyField("live-key", "Stripe live secret key", "sk_live_… or rk_live_…", "The same page with Test mode off. A restricted key (rk_live_) works too.");
  // Typing in a key field clears what was said about its old value.
  for (const field of [test, live]) field.input.addEventListener("input", () => showKeyProblem(field.problem, null));
  const folder = h("input", { id: "project-dir", name: "project-dir", type: "text", placeholder: "/path/to/your-api", spellcheck: "false" });
  folder.value = view.project_dir ?? "";
  const browse = h("button", { type: "button", id: "browse" }, "Browse…");
  browse.addEventListener("click", async () => {
    const picked = await api.pickFolder();
    if (picked) folder.value = picked;
  });
  const check = h("button", { type: "submit", id: "check", class: "primary" }, "Check");
  const cont = h("button", { type: "button", id: "continue", class: "primary", disabled: true }, "Continue →");
  cont.addEventListener("click", () => deps.onContinue());
  const status = h("p", { id: "connect-status", class: "status", role: "status", "aria-live": "polite" }, "Fill in both keys and the folder, then press Check.");
  const results = h("ul", { id: "findings", class: "findings", "aria-label": "Check results" });
  const done = h("div", { id: "connect-summary" });

  const form = h(
    "form",
    { class: "connect-form", "aria-labelledby": "connect-heading" },
    test.wrap,
    live.wrap,
    h(
      "div",
      { class: "field" },
      h("label", { for: "project-dir" }, "Your Worker's project folder"),
      h("div", { class: "key-row" }, folder, browse),
      h("div", { class: "field-help" }, "The folder with wrangler.toml (or wrangler.jsonc) — where you run ", h("code", {}, "wrangler deploy"), "."),
    ),
    h("div", { class: "actions" }, check, cont),
  );
  const cloudflare = cloudflarePanel(api, folder, () => check.focus());
  form.insertBefore(cloudflare.panel, form.lastElementChild);

  if (view.mode === "rehearsal") {
    const fill = h("button", { type: "button", id: "fill-rehearsal", class: "secondary" }, "Fill in the rehearsal keys");
    fill.addEventListener("click", async () => {
      status.textContent = "Opening the rehearsal…";
      let inputs;
      try {
        inputs = await api.rehearsalInputs();
      } catch (err) {
        showProblem(status, err, (url) => void api.openLink(url));
        return;
      }
      status.textContent = "";
      test.input.value = inputs.test_key;
      live.input.value = inputs.live_key;
      // New keys: what was said about the old ones no longer applies.
      showKeyProblem(test.problem, null);
      showKeyProblem(live.problem, null);
      folder.value = inputs.project_dir;
      // The rehearsal's made-up Cloudflare token, for rehearsing "Paste an API token".
      cloudflare.token.value = inputs.cloudflare_token;
      check.focus();
    });
    form.prepend(h("div", { class: "rehearsal-fill" }, fill));
  }

  root.append(
    h("h1", { id: "connect-heading" }, "Connect"),
    h("p", { class: "lead" }, "golive checks both keys with Stripe, makes sure they belong to the same account, and finds your Worker and wrangler. Nothing is changed in this step."),
    h(
      "div",
      { class: "two-columns" },
      form,
      h("section", { class: "results", "aria-label": "Results" }, h("h2", {}, "Results"), status, results, done),
    ),
  );
  if (view.connect) {
    done.append(h("h2", {}, "Connected"), summary(view.connect));
    cont.disabled = false;
  }

  const unlisten = api.onStepEvent((event: StepEvent) => {
    if (event.step !== "connect") return;
    if (event.kind === "progress") status.textContent = event.message;
    else results.append(renderFinding(event.finding, (url) => void api.openLink(url)));
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    check.disabled = true;
    cont.disabled = true;
    clear(results);
    clear(done);
    showKeyProblem(test.problem, null);
    showKeyProblem(live.problem, null);
    status.textContent = "Checking…";
    try {
      const result = await api.checkConnect(test.input.value, live.input.value, folder.value);
      if (result.kind === "key_problems") {
        showKeyProblem(test.problem, result.test);
        showKeyProblem(live.problem, result.live);
        status.textContent = "Fix the key above and check again. Nothing was sent to Stripe.";
        (result.test ? test.input : live.input).focus();
        return;
      }
      clear(results);
      for (const f of worstFirst(result.report.findings)) results.append(renderFinding(f, (url) => void api.openLink(url)));
      deps.onView(result.view);
      if (result.report.outcome) {
        // The keys have done their job here: take them out of the page.
        test.input.value = "";
        live.input.value = "";
        cloudflare.token.value = "";
        cloudflare.panel.open = false;
        status.textContent = "All checks passed.";
        done.append(h("h2", {}, "Connected"), summary(result.report.outcome));
        cont.disabled = false;
        cont.focus();
      } else {
        status.textContent = "Some checks failed — each one says what to do. Then check again.";
        const login = result.report.findings.find((f) => f.check === "worker.login");
        if (login && login.status === "fail") cloudflare.panel.open = true;
      }
    } catch (err) {
      showProblem(status, err, (url) => void api.openLink(url));
    } finally {
      check.disabled = false;
    }
  });

  return () => void unlisten.then((f) => f());
}
