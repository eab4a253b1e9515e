/**
 * The dashboard in headless Chromium with a real clip as camera and microphone: the page joins a
 * session, streams PCM and face measurements, and shows the utterances (and, when emotion models
 * are loaded, the estimates) that the server finds in the clip's speech; a second page's
 * participant appears beside the first. Saves artifacts/dashboard.png.
 *
 * AFFECTSTREAM_MODELS=DIR runs the server with another models folder (default models/).
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { type RunningServer, startServer } from "../lib/server.ts";
import { createSession, withToken } from "../lib/testing/auth.ts";
import { DATA_DIR } from "../lib/testing/data.ts";
import { TestSocket } from "../lib/testing/ws_client.ts";
import { CHROMIUM_ARGS } from "../lib/face/headless_face.ts";

const CLIP = `${DATA_DIR}/media/grid_bbaf2n.mpg`;
/** Silence after the clip's sentence, so that Chromium's looping of the files gives one utterance per loop. */
const PAD_S = 1.5;
const SCREENSHOT = new URL("../artifacts/dashboard.png", import.meta.url).pathname;

async function ffmpeg(args: string[]): Promise<void> {
  const r = await new Deno.Command("ffmpeg", { args: ["-nostdin", "-loglevel", "error", "-y", ...args] }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

/** The clip as a Y4M camera and a 48 kHz mono WAV microphone, both padded by PAD_S. */
async function fakeDevices(dir: string): Promise<{ cam: string; mic: string }> {
  const cam = `${dir}/cam.y4m`;
  const mic = `${dir}/mic.wav`;
  await Promise.all([
    ffmpeg(["-i", CLIP, "-an", "-vf", `tpad=stop_mode=clone:stop_duration=${PAD_S}`, "-pix_fmt", "yuv420p", cam]),
    ffmpeg(["-i", CLIP, "-vn", "-af", `apad=pad_dur=${PAD_S}`, "-ac", "1", "-ar", "48000", mic]),
  ]);
  return { cam, mic };
}

type Status = {
  states: Record<string, { state: string; detail: string }>;
  local: { ingest: { faceSent: number }; face: { withFace: number; measured: number } } | null;
};

const status = (page: Page): Promise<Status> => page.evaluate(() => (globalThis as any).affectstream.status());

/** Logs in with a fresh one-time login URL, then joins `sessionId` through the consent step. */
async function join(page: Page, server: RunningServer, sessionId: string, name: string): Promise<void> {
  await page.goto(`${server.loginUrl()}&session=${sessionId}`);
  await page.fill("#name", name);
  await page.click("#join-av");
  await page.click("#consent-agree");
}

Deno.test(
  "the dashboard joins with camera + microphone, detects the face and shows the clip's utterances and a second participant",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "affectstream-dashboard-" });
    const [devices, server] = await Promise.all([
      fakeDevices(dir),
      startServer({
        port: 0,
        engine: { modelsDir: Deno.env.get("AFFECTSTREAM_MODELS") },
        app: { static: { faceModelPath: `${DATA_DIR}/models/face_landmarker.task` } },
      }),
    ]);
    const sessionId = `dash-${Date.now()}`;
    await createSession(server, sessionId);
    const observer = new TestSocket(
      withToken(`ws://127.0.0.1:${server.port}/v1/sessions/${sessionId}/events`, server.adminKey),
    );
    let browser: Browser | undefined;
    try {
      await observer.opened;
      browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: [
          ...CHROMIUM_ARGS,
          "--use-fake-ui-for-media-stream",
          "--use-fake-device-for-media-stream",
          `--use-file-for-fake-video-capture=${devices.cam}`,
          `--use-file-for-fake-audio-capture=${devices.mic}`,
        ],
      });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));

      await join(page, server, sessionId, "Alice");
      await page.waitForFunction(
        () => (globalThis as any).affectstream.status().states.ingest?.state === "ready",
        null,
        { timeout: 15_000 },
      );
      const joined = observer.ofType("participant.joined")[0] ??
        (await observer.waitFor((m) => m.some((x) => x.type === "participant.joined")),
          observer.ofType("participant.joined")[0]);
      assert.equal(joined.name, "Alice");
      const aliceId = joined.participantId as string;
      assert.match(aliceId, /^Alice-[a-z0-9]{4}$/);

      // The face: the page's tracker finds it in the clip and the stream carries the frames.
      await page.waitForFunction(
        () => {
          const s = (globalThis as any).affectstream.status();
          return s.states.face?.state === "face" && s.local.face.withFace >= 10 && s.local.ingest.faceSent >= 10;
        },
        null,
        { timeout: 20_000 },
      );
      // The pixel expression model loaded beside the landmarker (its probabilities travel, never pixels).
      assert.equal(
        await page.evaluate(() => (globalThis as any).affectstream.status().local.face.pixel),
        true,
        "pixel model loaded in the face worker",
      );

      // Utterances: one per loop of the clip's sentence (about 1.3 s of speech).
      await observer.waitFor((m) => m.filter((x) => x.type === "utterance.end").length >= 2, 25_000);
      const ends = observer.ofType("utterance.end");
      const second = ends[1];
      assert.equal(second.participantId, aliceId);
      assert.ok(
        (second.durationMs as number) >= 800 && (second.durationMs as number) <= 2600,
        `utterance of ${second.durationMs} ms for a 1.3 s sentence`,
      );
      await page.waitForFunction(
        (id) =>
          (globalThis as any).document.querySelectorAll(
            `article[data-participant-id="${id}"] [data-role=utterances] li.utterance:not(.open)`,
          )
            .length >= 2,
        aliceId,
        { timeout: 5_000 },
      );

      if (server.engine.modalities.length > 0) {
        await observer.waitFor((m) => m.some((x) => x.type === "emotion"), 15_000);
        const label = await page.waitForFunction(
          (id) =>
            (globalThis as any).document.querySelector(`article[data-participant-id="${id}"] [data-role=label]`)
              ?.getAttribute(
                "data-label",
              ),
          aliceId,
          { timeout: 5_000 },
        );
        assert.ok(
          ["neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"].includes(
            await label.jsonValue() as string,
          ),
        );
      } else {
        console.log("no emotion models loaded (engine.modalities is empty): checked utterances only");
        const text = await page.textContent(`article[data-participant-id="${aliceId}"] [data-role=label]`);
        assert.equal(text, "not labelled");
      }

      // No face message was refused by the server.
      const refused = observer.ofType("error").filter((e) => e.participantId === aliceId);
      assert.deepEqual(refused, [], JSON.stringify(refused));

      // A second participant from another page shows up beside the first.
      const page2 = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      await join(page2, server, sessionId, "Bob");
      await page.waitForFunction(
        () => {
          const names = [...(globalThis as any).document.querySelectorAll("article.participant h2.name")]
            .map((e: any) => e.textContent);
          return names.length === 2 && names.every((n: string) => n);
        },
        null,
        {
          timeout: 15_000,
        },
      );
      const names = await page.$$eval("article.participant h2.name", (els) => els.map((e) => e.textContent));
      assert.deepEqual(names, ["Alice", "Bob"]);
      assert.equal((await status(page2)).states.ingest?.state, "ready");

      // Bob's speech reaches Alice's page through the events socket alone.
      await page.waitForFunction(
        () =>
          (globalThis as any).document.querySelectorAll(
            "article.participant:nth-child(2) [data-role=utterances] li.utterance:not(.open)",
          ).length >= 1,
        null,
        { timeout: 15_000 },
      );
      await Deno.mkdir(new URL("../artifacts/", import.meta.url), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(pageErrors, []);
    } finally {
      observer.close();
      await browser?.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
