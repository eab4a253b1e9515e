/**
 * The dashboard's rendering rules in headless Chromium, fed a scripted events socket
 * (page.routeWebSocket) so that every case happens on cue: the headline is the latest utterance
 * estimate and never a face-only window; the chart's end labels show the headline's estimate (a
 * partial that ends after its final is dropped); a fused label that matches no modality is
 * explained by per-modality contributions; `missing` reasons appear in words (schema 2); WCAG AA
 * contrast computed from the page's styles; table headers unbroken at 390 px. The page's HTTP
 * calls other than its own files are answered here too, so this test needs no emotion models.
 * Saves artifacts/dashboard_headline.png, dashboard_headline_explain.png and dashboard_headline_390.png.
 */
import assert from "node:assert/strict";
import { chromium, type Page, type WebSocketRoute } from "playwright-core";
import { CHROMIUM_ARGS } from "../lib/face/headless_face.ts";
import { serveDashboardFiles } from "./dashboard_test_server.ts";

const SCREENSHOT = new URL("../artifacts/dashboard_headline.png", import.meta.url).pathname;
const EMOTIONS = ["neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"];

/** A distribution over EMOTIONS from a {label: p} map, the rest spread evenly. */
function dist(spec: Record<string, number>): number[] {
  const rest = (1 - Object.values(spec).reduce((a, b) => a + b, 0)) / (EMOTIONS.length - Object.keys(spec).length);
  return EMOTIONS.map((e) => +(spec[e] ?? rest).toFixed(4));
}

/** The server's log-linear pool (lib/fusion/fuse.ts) with the weights as exponents. */
function pool(ds: number[][], ws: number[]): number[] {
  const l = EMOTIONS.map((_, k) => ds.reduce((a, d, i) => a + ws[i] * Math.log(Math.max(d[k], 1e-4)), 0));
  const max = Math.max(...l);
  const u = l.map((x) => Math.exp(x - max));
  const s = u.reduce((a, b) => a + b, 0);
  return u.map((x) => +(x / s).toFixed(4));
}

const SID = "ui-test";
const PID = "bob-k3x9";
let seq = 0;
const envelope = () => ({ seq: ++seq, sessionId: SID, participantId: PID, wallMs: Date.now() });

function entry(probs: number[], weight: number, model: string) {
  const k = probs.indexOf(Math.max(...probs));
  return {
    probs,
    label: EMOTIONS[k],
    confidence: probs[k],
    uncertainty: 0.6,
    valence: 0,
    arousal: 0,
    coverage: 1,
    weight,
    model,
  };
}

/** An emotion event over [startMs, endMs] fused from the given modality entries. */
function emotion(
  type: string,
  utteranceId: string,
  startMs: number,
  endMs: number,
  mods: Record<string, any>,
  extra = {},
) {
  const names = Object.keys(mods);
  const probs = pool(names.map((m) => mods[m].probs), names.map((m) => mods[m].weight));
  const k = probs.indexOf(Math.max(...probs));
  return {
    ...envelope(),
    type,
    utteranceId,
    startMs,
    endMs,
    label: EMOTIONS[k],
    probs,
    confidence: probs[k],
    uncertainty: 0.5,
    valence: -0.2,
    arousal: 0.4,
    modalities: mods,
    missing: ["voice", "face", "text"].filter((m) => !mods[m]).map((m) => ({
      modality: m,
      reason: m === "text" ? "no_text" : "no_face",
    })),
    ...extra,
  };
}

/** Answers the page's API calls as a logged-in operator would see them. */
async function fakeApi(page: Page): Promise<void> {
  const json = (body: unknown, status = 200) => ({
    status,
    contentType: "application/json",
    body: JSON.stringify(body),
  });
  const exp = new Date(Date.now() + 3_600_000).toISOString();
  await page.route("**/v1/health", (r) => r.fulfill(json({ status: "ok", modalities: ["voice", "face", "text"] })));
  await page.route("**/v1/login", (r) => r.fulfill(json({ token: "admin-jwt", expiresAt: exp })));
  await page.route("**/v1/tokens", (r) => r.fulfill(json({ token: "view-jwt", expiresAt: exp }, 201)));
  await page.route(
    /\/v1\/sessions$/,
    (r) => r.fulfill(r.request().method() === "POST" ? json({ sessionId: SID }, 201) : json({ sessions: [] })),
  );
  await page.route(
    /\/viewers$/,
    (r) => r.fulfill(json({ viewers: [{ viewerId: "v1", role: "view", connectedWallMs: 1 }] })),
  );
}

const q = (page: Page, sel: string) => page.locator(`article[data-participant-id="${PID}"] ${sel}`);

/**
 * WCAG contrast of every visible text element in the page, computed from computed styles
 * (foreground composited over the first opaque background up the tree, times ancestors'
 * opacity), plus the focus ring of a keyboard-focused button and the chip symbols.
 */
function auditContrast(page: Page) {
  return page.evaluate(async () => {
    const { contrastRatio, parseColor, composite, effectiveBackground } = await import(
      "/static/app/contrast.js" as string
    );
    const d = (globalThis as any).document;
    const cs = (e: any, pseudo?: string) => (globalThis as any).getComputedStyle(e, pseudo);
    const background = (e: any): number[] => effectiveBackground(e, cs);
    const opacity = (e: any) => {
      let o = 1;
      for (let n = e; n; n = n.parentElement) o *= Number(cs(n).opacity);
      return o;
    };
    const results: { text: string; ratio: number; min: number; where: string }[] = [];
    for (const e of d.querySelectorAll("body *")) {
      if (!e.getClientRects().length || cs(e).visibility === "hidden") continue;
      if (["SCRIPT", "STYLE", "CANVAS", "VIDEO", "METER"].includes(e.tagName)) continue;
      const own = [...e.childNodes].filter((n: any) => n.nodeType === 3 && n.textContent.trim()).map((n: any) =>
        n.textContent.trim()
      ).join(" ");
      if (!own) continue;
      const st = cs(e);
      if (e.closest(".visually-hidden")) continue;
      const size = parseFloat(st.fontSize);
      const bold = Number(st.fontWeight) >= 700;
      const large = size >= 24 || (bold && size >= 18.66);
      const bg = background(e);
      const fg = parseColor(st.color);
      fg[3] *= opacity(e);
      results.push({
        text: own.slice(0, 40),
        ratio: contrastRatio(composite(fg, bg), bg),
        min: large ? 3 : 4.5,
        where: `${e.tagName.toLowerCase()}.${e.className}`,
      });
    }
    for (const e of d.querySelectorAll(".chip[data-level]")) {
      const before = cs(e, "::before");
      if (before.content === "none") continue;
      results.push({
        text: `chip symbol ${before.content}`,
        ratio: contrastRatio(parseColor(before.color), background(e)),
        min: 3,
        where: "chip::before",
      });
    }
    return results;
  });
}

Deno.test(
  "dashboard: headline is the latest utterance estimate, chart agrees, fusion explained, reasons in words, AA contrast, headers unbroken at 390 px",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const files = serveDashboardFiles();
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
      page.setDefaultTimeout(10_000);
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      await fakeApi(page);
      let events: WebSocketRoute | undefined;
      const connected = new Promise<void>((resolve) =>
        page.routeWebSocket(/\/events/, (ws) => {
          events = ws;
          resolve();
        })
      );
      await page.goto(`${files.origin}/?login=one-time&session=${SID}`);
      assert.equal(new URL(page.url()).searchParams.get("login"), null, "login token removed from the address");
      await page.locator("#lobby").waitFor();
      assert.match(await page.textContent("#lobby .intro") ?? "", /emotion .* voice, the face and the words/s);
      await page.click("#watch");
      await connected;
      const send = (e: unknown) => events!.send(JSON.stringify(e));

      send({ ...envelope(), type: "participant.joined", name: "Bob" });
      send({ ...envelope(), type: "utterance.start", utteranceId: "bob-1", startMs: 1000 });
      send({
        ...envelope(),
        type: "utterance.end",
        utteranceId: "bob-1",
        startMs: 1000,
        endMs: 2500,
        durationMs: 1500,
        reason: "silence",
      });
      // Voice says surprised, face neutral; neither rules out angry, which wins the pool.
      const voice = entry(dist({ surprised: 0.5, angry: 0.35, neutral: 0.0005 }), 0.55, "voice_emotion@3");
      const face = entry(dist({ neutral: 0.6, angry: 0.3, surprised: 0.0005 }), 0.45, "face_blendshape@2");
      const final1 = emotion("emotion", "bob-1", 1000, 2500, { voice, face });
      assert.equal(final1.label, "angry");
      send(final1);
      // Face-only windows between utterances, all "happy".
      const happyFace = entry(dist({ happy: 0.7 }), 1, "face_blendshape@2");
      send(emotion("emotion", "bob-w1", 2500, 4500, { face: happyFace }, { window: true }));
      send(emotion("emotion", "bob-w2", 4500, 6500, { face: happyFace }, { window: true }));

      const label = q(page, "[data-role=label]");
      await q(page, "[data-role=window]").waitFor({ state: "visible" });
      assert.equal(await label.getAttribute("data-label"), "angry", "windows do not take the headline");
      assert.equal(await label.getAttribute("data-utterance-id"), "bob-1");
      assert.match(await q(page, "[data-role=window]").textContent() ?? "", /Face only, between utterances .*happy/);
      const explain = await q(page, "[data-role=explain]").textContent() ?? "";
      assert.match(explain, /Why angry\? No modality chose it alone \(voice surprised, face neutral\)/);
      const rows = await q(page, ".explain-table tbody th").allTextContents();
      assert.deepEqual(rows, ["angry (fused)", "surprised", "neutral"]);
      assert.match(await q(page, ".missing").textContent() ?? "", /text: no transcript/);
      await Deno.mkdir(new URL("../artifacts/", import.meta.url), { recursive: true });
      await q(page, "section.now").screenshot({ path: SCREENSHOT.replace(".png", "_explain.png") });
      assert.match(
        await q(page, "canvas.chart-probs").getAttribute("aria-label") ?? "",
        /Latest utterance estimate \(final, 0:01\.0–0:02\.5\): angry/,
      );

      // A second utterance with a text modality: its partial ends after its final, and is dropped.
      const text = entry(dist({ sad: 0.6 }), 0.3, "text_emotion@2");
      const voice2 = entry(dist({ sad: 0.5 }), 0.7, "voice_emotion@3");
      send({ ...envelope(), type: "utterance.start", utteranceId: "bob-2", startMs: 6500 });
      send(
        emotion("emotion.partial", "bob-2", 6500, 7400, { voice: entry(dist({ happy: 0.5 }), 1, "voice_emotion@3") }),
      );
      send({
        ...envelope(),
        type: "utterance.end",
        utteranceId: "bob-2",
        startMs: 6500,
        endMs: 7200,
        durationMs: 700,
        reason: "silence",
      });
      send(emotion("emotion", "bob-2", 6500, 7200, { voice: voice2, text }));
      send(
        emotion("emotion.partial", "bob-2", 6500, 7600, { voice: entry(dist({ happy: 0.5 }), 1, "voice_emotion@3") }),
      );
      await page.waitForFunction(
        (pid) =>
          (globalThis as any).document.querySelector(`article[data-participant-id="${pid}"] [data-role=label]`)
            ?.dataset.label === "sad",
        PID,
      );
      await page.waitForTimeout(300); // a redraw (≤ 10/s)
      const canvas = q(page, "canvas.chart-probs");
      assert.equal(await canvas.getAttribute("data-end-utterance"), "bob-2");
      assert.equal(await canvas.getAttribute("data-end-kind"), "final", "the partial ending after the final is gone");
      assert.equal(await label.getAttribute("data-kind"), "emotion");
      assert.equal(
        await q(page, "[data-role=explain]").isHidden(),
        true,
        "sad is voice's own label: nothing to explain",
      );
      // A late update of the first utterance changes that utterance, not the headline.
      send(
        emotion("emotion.update", "bob-1", 1000, 2500, {
          voice,
          face,
          text: entry(dist({ angry: 0.7 }), 0.2, "text_emotion@2"),
        }, { replaces: final1.seq, text: "no way" }),
      );
      await page.waitForFunction(() => (globalThis as any).document.body.textContent.includes("“no way”"));
      assert.equal(await label.getAttribute("data-utterance-id"), "bob-2");

      // An error, so that error text is on the page for the contrast audit.
      send({
        ...envelope(),
        type: "error",
        code: "rate_limited",
        message: "too many face messages",
        recoverable: true,
      });
      await page.evaluate(() => {
        const d = (globalThis as any).document;
        d.getElementById("lobby-error").textContent = "sample error text";
        d.getElementById("lobby").hidden = false;
      });
      await page.waitForTimeout(300);
      const contrast = await auditContrast(page);
      const failing = contrast.filter((c) => c.ratio < c.min);
      assert.deepEqual(failing, [], JSON.stringify(failing, null, 1));
      const errorText = contrast.find((c) => c.text === "sample error text")!;
      assert.ok(errorText.ratio >= 4.5, `error text ${errorText.ratio}`);
      const textBar = contrast.find((c) => c.where.includes("weight-text"))!;
      assert.ok(textBar && textBar.ratio >= 4.5, `text-modality bar ${textBar?.ratio}`);
      console.log(
        `contrast: ${contrast.length} text elements, lowest ${
          Math.min(...contrast.map((c) => c.ratio)).toFixed(2)
        }:1; ` +
          `error text ${errorText.ratio.toFixed(2)}:1, text bar ${textBar.ratio.toFixed(2)}:1`,
      );
      await page.evaluate(() => ((globalThis as any).document.getElementById("lobby").hidden = true));

      // The focus ring of a keyboard-focused button against what surrounds it.
      await page.focus("#download-jsonl");
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.press("Tab");
      const ring = await page.evaluate(async () => {
        const { contrastRatio, effectiveBackground } = await import("/static/app/contrast.js" as string);
        const d = (globalThis as any).document;
        const e = d.activeElement;
        const cs = (n: any) => (globalThis as any).getComputedStyle(n);
        const st = cs(e);
        // The ring is drawn outside the button (outline-offset), on its parent's background.
        const around = effectiveBackground(e.parentElement, cs);
        return {
          id: e.id,
          style: st.outlineStyle,
          width: st.outlineWidth,
          ratio: contrastRatio(st.outlineColor, around),
        };
      });
      assert.equal(ring.id, "download-jsonl");
      assert.equal(ring.style, "solid");
      assert.ok(ring.ratio >= 3, `focus ring ${ring.ratio}`);
      console.log(`focus ring ${ring.width} ${ring.ratio.toFixed(2)}:1`);
      await Deno.mkdir(new URL("../artifacts/", import.meta.url), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // At 390 px, no table header breaks inside a word: each is on one line.
      await page.setViewportSize({ width: 390, height: 900 });
      await page.waitForTimeout(300);
      const headers = await page.evaluate(() => {
        const d = (globalThis as any).document;
        return [...d.querySelectorAll("article.participant th")].map((th: any) => {
          // Line boxes of the header's text (not of its colour swatch): one per line.
          const tops = new Set<number>();
          for (const n of th.childNodes) {
            if (n.nodeType !== 3 || !n.textContent.trim()) continue;
            const range = d.createRange();
            range.selectNodeContents(n);
            for (const r of range.getClientRects()) tops.add(Math.round(r.top));
          }
          return { text: th.textContent, lines: tops.size };
        });
      });
      assert.ok(headers.length >= 6);
      const broken = headers.filter((h) => h.lines > 1);
      assert.deepEqual(broken, [], JSON.stringify(broken));
      await page.screenshot({ path: SCREENSHOT.replace(".png", "_390.png"), fullPage: true });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
      await files.close();
    }
  },
);
