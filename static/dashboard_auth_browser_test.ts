/**
 * The dashboard against the real server (issue 10 and 15), in headless Chromium with a real clip
 * as a 15 fps camera and a microphone:
 * - login URL → consent → streaming: the one-time login token leaves the address, nothing starts
 *   before Agree, the stream's hello carries consent, viewers are listed; the login URL works once;
 *   an invite link made mid-call leaves the host streaming and lets a guest join from its
 *   fragment (stripped at once); the timeline downloads;
 * - Leave turns every device chip off and Rejoin streams again; Withdraw consent stops analysis
 *   (participant.left consent_withdrawn); a server outage shows in the header and pauses the face
 *   chip instead of "no face detected", and the page resumes when the server is back; both devices
 *   refused → the stream chip says so.
 * Saves artifacts/dashboard_auth.png and dashboard_auth_outage.png.
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { Engine } from "../lib/engine/engine.ts";
import { CHROMIUM_ARGS } from "../lib/face/headless_face.ts";
import { silentLogger } from "../lib/log/logger.ts";
import { type RunningServer, startServer } from "../lib/server.ts";
import { createSession, withToken } from "../lib/testing/auth.ts";
import { DATA_DIR } from "../lib/testing/data.ts";
import { TestSocket } from "../lib/testing/ws_client.ts";

const CLIP = `${DATA_DIR}/media/grid_bbaf2n.mpg`;
const PAD_S = 1.5;
const SCREENSHOT = new URL("../artifacts/dashboard_auth.png", import.meta.url).pathname;

async function ffmpeg(args: string[]): Promise<void> {
  const r = await new Deno.Command("ffmpeg", { args: ["-nostdin", "-loglevel", "error", "-y", ...args] }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

/** The clip as a 15 fps Y4M camera (the rate the dashboard asks for) and a 48 kHz WAV microphone. */
let devices: Promise<{ cam: string; mic: string }> | undefined;
function fakeDevices(): Promise<{ cam: string; mic: string }> {
  devices ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "affectstream-dashboard-auth-" });
    const cam = `${dir}/cam.y4m`, mic = `${dir}/mic.wav`;
    await Promise.all([
      ffmpeg([
        "-i",
        CLIP,
        "-an",
        "-vf",
        `tpad=stop_mode=clone:stop_duration=${PAD_S},fps=15`,
        "-pix_fmt",
        "yuv420p",
        cam,
      ]),
      ffmpeg(["-i", CLIP, "-vn", "-af", `apad=pad_dur=${PAD_S}`, "-ac", "1", "-ar", "48000", mic]),
    ]);
    return { cam, mic };
  })();
  return devices;
}

let engine: Promise<Engine> | undefined;
async function serve(opts: { port?: number; adminKey?: string; dataDir?: string } = {}): Promise<RunningServer> {
  engine ??= Engine.load({ vadWorker: true, voiceWorker: true, modelsDir: Deno.env.get("AFFECTSTREAM_MODELS") });
  return await startServer({
    port: opts.port ?? 0,
    adminKey: opts.adminKey,
    dataDir: opts.dataDir,
    logger: silentLogger,
    loadedEngine: await engine,
    app: { static: { faceModelPath: `${DATA_DIR}/models/face_landmarker.task` } },
  });
}

async function launch(extra: string[] = []): Promise<Browser> {
  const { cam, mic } = await fakeDevices();
  return await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      ...CHROMIUM_ARGS,
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${cam}`,
      `--use-file-for-fake-audio-capture=${mic}`,
      ...extra,
    ],
  });
}

type Status = {
  role: string | null;
  consent: boolean;
  server: { up: boolean | null };
  viewers: { viewerId: string; role: string; name?: string }[];
  states: Record<string, { state: string; detail: string }>;
  local:
    | { ingest: { faceSent: number }; face: { taken: number; measured: number; withFace: number; meanMs: number } }
    | null;
};
const status = (page: Page): Promise<Status> => page.evaluate(() => (globalThis as any).affectstream.status());
/** Waits for chip `key` to reach `state`; on timeout, says where every chip was. */
async function waitState(page: Page, key: string, state: string, timeout = 15_000): Promise<void> {
  try {
    await page.waitForFunction(
      ([k, s]) => (globalThis as any).affectstream?.status().states[k]?.state === s,
      [key, state],
      { timeout },
    );
  } catch (err) {
    const states = await status(page).then((x) => x.states).catch(() => ({}));
    throw new Error(`${key} never "${state}" within ${timeout} ms: ${JSON.stringify(states)}`, { cause: err });
  }
}

/** Opens the server's login URL, then joins `sessionId` as `name` through the consent step. */
async function loginAndJoin(page: Page, server: RunningServer, sessionId: string, name: string): Promise<void> {
  await page.goto(`${server.loginUrl()}&session=${sessionId}`);
  await page.locator("#lobby").waitFor();
  await page.fill("#name", name);
  await page.click("#join-av");
  await page.locator("#consent").waitFor();
  await page.click("#consent-agree");
}

Deno.test(
  "dashboard: login URL → consent → streaming (viewers listed, speech analysed, face paced); the login URL works once",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const server = await serve();
    const sessionId = `auth-${Date.now()}`;
    const browser = await launch();
    let observer: TestSocket | undefined;
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      page.setDefaultTimeout(15_000);
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      // The server's CSP (style-src 'self', no inline script) refuses nothing the page does.
      page.on("console", (m) => /Content Security Policy/i.test(m.text()) && pageErrors.push(m.text()));

      const loginUrl = `${server.loginUrl()}&session=${sessionId}`;
      await page.goto(loginUrl);
      await page.locator("#lobby").waitFor();
      assert.equal(new URL(page.url()).searchParams.get("login"), null, "login token gone from the address");
      assert.equal(new URL(page.url()).searchParams.get("session"), sessionId);
      const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem("affectstream.admin") ?? "null"));
      assert.ok(stored?.token && stored.expiresAt, "admin JWT kept in sessionStorage");
      assert.equal((await status(page)).role, "admin");

      await page.fill("#name", "Alice");
      await page.click("#join-av");
      await page.locator("#consent").waitFor();
      const consent = await page.textContent("#consent") ?? "";
      assert.match(consent, /voice.*face.*words/s);
      assert.match(consent, /Everyone holding a view token of session/);
      assert.match(consent, /30 days/);
      assert.ok(!("mic" in (await status(page)).states), "no device asked for before Agree");
      // The session exists now (created on entering), so an observer can subscribe with the admin key.
      observer = new TestSocket(
        withToken(`ws://127.0.0.1:${server.port}/v1/sessions/${sessionId}/events`, server.adminKey),
      );
      await observer.opened;
      await page.click("#consent-agree");
      await waitState(page, "ingest", "ready");
      const joined = await observer.waitFor((m) => m.some((x) => x.type === "participant.joined"), 10_000)
        .then(() => observer!.ofType("participant.joined")[0]);
      assert.equal(joined.name, "Alice");
      const aliceId = joined.participantId as string;
      assert.match((await status(page)).states.ingest.detail, /streaming voice and face as Alice-/);

      // Viewers: the page's own events socket and the observer.
      await page.waitForFunction(() => (globalThis as any).affectstream.status().viewers.length >= 2, null, {
        timeout: 10_000,
      });
      assert.match(await page.textContent("#viewers") ?? "", /\(view\)/);

      // Speech is analysed: an utterance of the clip's sentence ends.
      await observer.waitFor((m) => m.some((x) => x.type === "utterance.end" && x.participantId === aliceId), 25_000);

      // Face measurements at ~12/s from the 15 fps camera, as fast as the tracker allows here.
      const f0 = (await status(page)).local!.face, t0 = Date.now();
      await page.waitForTimeout(3000);
      const f1 = (await status(page)).local!.face, dt = (Date.now() - t0) / 1000;
      const rate = (f1.measured - f0.measured) / dt;
      // What the tracker allows on this machine: its own time per frame, without the bitmap copy
      // and the worker round trip (hence the 0.65). The old pacing gave 7.5/s even with a fast tracker.
      const capacity = 1000 / Math.max(1, f1.meanMs);
      console.log(`face measurements ${rate.toFixed(1)}/s (tracker ${f1.meanMs.toFixed(0)} ms/frame)`);
      assert.ok(rate >= Math.min(10, 0.65 * capacity), `${rate.toFixed(1)}/s with ${f1.meanMs.toFixed(0)} ms/frame`);

      // The login URL worked once.
      const page3 = await browser.newPage();
      await page3.goto(loginUrl);
      await page3.locator("#login-needed").waitFor();
      assert.match(await page3.textContent("#login-error") ?? "", /already used/);
      await page3.close();

      assert.deepEqual(pageErrors, []);
    } finally {
      observer?.close();
      await browser.close();
      await server.shutdown();
    }
  },
);

Deno.test(
  "dashboard: an invite link made mid-call keeps the host streaming and lets a guest join from its fragment; the timeline downloads",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const server = await serve();
    const origin = `http://127.0.0.1:${server.port}`;
    const sessionId = `invite-${Date.now()}`;
    const browser = await launch();
    let observer: TestSocket | undefined;
    try {
      await createSession(server, sessionId);
      observer = new TestSocket(
        withToken(`ws://127.0.0.1:${server.port}/v1/sessions/${sessionId}/events`, server.adminKey),
      );
      await observer.opened;
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      page.setDefaultTimeout(15_000);
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      await loginAndJoin(page, server, sessionId, "Alice");
      await waitState(page, "ingest", "ready");
      const aliceId = await observer.waitFor((m) => m.some((x) => x.type === "participant.joined"))
        .then(() => observer!.ofType("participant.joined")[0].participantId as string);

      // An invite link made mid-call: the host keeps streaming, the guest joins from the fragment.
      await page.click("#invite");
      await page.waitForFunction(() =>
        (globalThis as any).document.getElementById("invite-url").value.includes("#join=")
      );
      const link = await page.inputValue("#invite-url");
      assert.ok(link.startsWith(`${origin}/#join=`));
      await page.waitForTimeout(500);
      assert.equal((await status(page)).states.ingest.state, "ready", "the host's stream did not end");
      const guestContext = await browser.newContext();
      const guest = await guestContext.newPage();
      await guest.goto(link);
      await guest.locator("#lobby").waitFor();
      assert.equal(new URL(guest.url()).hash, "", "the tokens left the address bar");
      assert.equal((await status(guest)).role, "guest");
      assert.match(await guest.textContent("#invited") ?? "", new RegExp(`invited to session “${sessionId}”`));
      assert.equal(await guest.isVisible("#session-picker"), false);
      await guest.fill("#name", "Bob");
      await guest.click("#join-av");
      await guest.click("#consent-agree");
      await waitState(guest, "ingest", "ready");
      const bob = await observer.waitFor((m) => m.some((x) => x.type === "participant.joined" && x.name === "Bob"))
        .then(() => observer!.ofType("participant.joined").find((x) => x.name === "Bob")!);
      assert.match(bob.participantId as string, /^guest-/);
      await page.waitForFunction(() =>
        (globalThis as any).document.querySelectorAll("article.participant").length === 2
      );

      // The timeline downloads with the page's token (JSONL: one stored event per line).
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-jsonl")]);
      const file = await download.path();
      const lines = (await Deno.readTextFile(file!)).trim().split("\n").map((l) => JSON.parse(l));
      assert.ok(
        lines.some((e) => e.type === "participant.joined" && e.participantId === aliceId),
        "export has the join",
      );
      const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
      assert.match(csv.suggestedFilename(), /\.csv$/);

      await Deno.mkdir(new URL("../artifacts/", import.meta.url), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await guestContext.close();
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(pageErrors, []);
    } finally {
      observer?.close();
      await browser.close();
      await server.shutdown();
    }
  },
);

Deno.test(
  "dashboard: Leave turns the device chips off and Rejoin streams again; Withdraw consent stops analysis, and Rejoin asks for consent again",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const server = await serve();
    const sessionId = `chips-${Date.now()}`;
    const browser = await launch();
    let observer: TestSocket | undefined;
    try {
      await createSession(server, sessionId);
      observer = new TestSocket(
        withToken(`ws://127.0.0.1:${server.port}/v1/sessions/${sessionId}/events`, server.adminKey),
      );
      await observer.opened;
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      page.setDefaultTimeout(15_000);
      await loginAndJoin(page, server, sessionId, "Carol");
      await waitState(page, "ingest", "ready");
      await waitState(page, "face", "face", 20_000);

      await page.click("#leave");
      await waitState(page, "ingest", "ended");
      const left = (await status(page)).states;
      for (const k of ["mic", "camera", "face", "speech"]) {
        assert.equal(left[k].state, "off", `${k}: ${left[k].detail}`);
      }
      assert.equal(await page.isVisible("#rejoin"), true);
      assert.equal(await page.getAttribute('.chip[data-key="mic"]', "data-level"), "off");

      await page.click("#rejoin");
      await waitState(page, "ingest", "ready");
      await waitState(page, "mic", "on");
      await observer.waitFor((m) => m.filter((x) => x.type === "participant.joined").length >= 2, 10_000);

      // Withdraw consent mid-call: the server announces the withdrawal and produces nothing more.
      await page.click("#withdraw");
      await waitState(page, "ingest", "ended");
      const withdrawn = await observer.waitFor(
        (m) => m.some((x) => x.type === "participant.left" && x.reason === "consent_withdrawn"),
        10_000,
      ).then(() => observer!.ofType("participant.left").find((x) => x.reason === "consent_withdrawn")!);
      const after = observer.messages.length;
      await page.waitForTimeout(1500);
      const later = observer.messages.slice(after).filter((x) => x.participantId === withdrawn.participantId);
      assert.deepEqual(later, [], "nothing more of the participant after the withdrawal");
      assert.equal((await status(page)).consent, false);
      assert.equal((await status(page)).states.mic.state, "off");

      // Rejoin asks for consent again.
      await page.click("#rejoin");
      await page.locator("#consent").waitFor();
      await page.click("#consent-agree");
      await waitState(page, "ingest", "ready");
    } finally {
      observer?.close();
      await browser.close();
      await server.shutdown();
    }
  },
);

Deno.test(
  'dashboard: a server outage shows in the header, pauses the face chip (not "no face") and the microphone chip, and the page resumes when the server is back',
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    // A data directory, so that the restarted server still holds the session and the admin key.
    const dataDir = await Deno.makeTempDir({ prefix: "affectstream-dashboard-outage-" });
    let server = await serve({ dataDir });
    const sessionId = `outage-${Date.now()}`;
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      page.setDefaultTimeout(15_000);
      await loginAndJoin(page, server, sessionId, "Erin");
      await waitState(page, "ingest", "ready");
      await waitState(page, "face", "face", 25_000);

      // Outage: the server stops. The header says so, and the face chip pauses instead of "no face".
      const port = server.port;
      await server.shutdown();
      await page.waitForFunction(
        () => (globalThis as any).document.getElementById("server-status").dataset.state === "down",
        null,
        { timeout: 15_000 },
      );
      assert.match(await page.textContent("#server-status") ?? "", /server unreachable since/);
      await waitState(page, "face", "paused", 10_000);
      await page.waitForTimeout(2500); // longer than the 1.5 s after which a missing face would be reported
      const down = (await status(page)).states;
      assert.equal(down.face.state, "paused", down.face.detail);
      assert.doesNotMatch(down.face.detail, /no face/);
      assert.notEqual(down.ingest.state, "ready");
      assert.equal(down.mic.state, "paused", `microphone: ${down.mic.detail}`);
      await page.screenshot({ path: SCREENSHOT.replace(".png", "_outage.png"), fullPage: true });

      // The server comes back on the same port and data directory (so the same admin key, and the
      // tokens the page holds stay valid): the page resumes by itself.
      server = await serve({ port, dataDir });
      await page.waitForFunction(
        () => (globalThis as any).document.getElementById("server-status").dataset.state === "up",
        null,
        { timeout: 15_000 },
      );
      await waitState(page, "ingest", "ready", 20_000);
      await waitState(page, "events", "open", 15_000);
      await waitState(page, "mic", "on");
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
);

Deno.test(
  "dashboard: with camera and microphone both refused, the stream chip says that only typed text is sent",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const server = await serve();
    const sessionId = `refused-${Date.now()}`;
    // Without --use-fake-ui-for-media-stream, headless Chromium denies every device request.
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      await loginAndJoin(page, server, sessionId, "Dan");
      await waitState(page, "ingest", "text-only");
      const s = (await status(page)).states;
      assert.match(s.ingest.detail, /camera and microphone are both unavailable: only typed text is sent/);
      assert.equal(s.mic.state, "denied");
      assert.equal(s.camera.state, "denied");
      assert.equal(await page.getAttribute('.chip[data-key="ingest"]', "data-level"), "warn");
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
);
