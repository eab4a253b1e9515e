/**
 * Colours, dash patterns and names of the dashboard's series. Colours are the Okabe–Ito palette
 * (Okabe & Ito 2008, "Color Universal Design"), distinguishable with the common colour-vision
 * deficiencies; every series also has a dash pattern and a text label, so nothing depends on
 * colour alone.
 */

/** Emotion classes in wire order (lib/emotion/labels.ts EMOTIONS): every `probs` vector follows it. */
export const EMOTIONS = ["neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"];

/** The three modalities, in the order the dashboard lists them. */
export const MODALITIES = ["voice", "face", "text"];

/** Okabe–Ito colours by name. */
export const OKABE_ITO = {
  black: "#000000",
  orange: "#E69F00",
  skyBlue: "#56B4E9",
  bluishGreen: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  reddishPurple: "#CC79A7",
  grey: "#999999",
};

/**
 * Per-emotion style. Yellow is left out: it is unreadable on the white chart background.
 * Dash patterns are canvas setLineDash arrays in CSS pixels.
 */
export const EMOTION_STYLE = {
  neutral: { color: OKABE_ITO.grey, dash: [], mark: "N" },
  happy: { color: OKABE_ITO.orange, dash: [], mark: "H" },
  sad: { color: OKABE_ITO.blue, dash: [6, 3], mark: "S" },
  angry: { color: OKABE_ITO.vermillion, dash: [2, 2], mark: "A" },
  fearful: { color: OKABE_ITO.reddishPurple, dash: [8, 2, 2, 2], mark: "F" },
  disgusted: { color: OKABE_ITO.bluishGreen, dash: [4, 4], mark: "D" },
  surprised: { color: OKABE_ITO.skyBlue, dash: [1, 3], mark: "U" },
};

/** Styles of the dimensional series (both in [-1, 1]). */
export const AFFECT_STYLE = {
  valence: { color: OKABE_ITO.blue, dash: [], label: "valence" },
  arousal: { color: OKABE_ITO.vermillion, dash: [6, 3], label: "arousal" },
};

/** Per-modality style; `hatch` distinguishes the weight bar segments without colour. */
export const MODALITY_STYLE = {
  voice: { color: OKABE_ITO.blue, hatch: "none", label: "voice" },
  face: { color: OKABE_ITO.orange, hatch: "diagonal", label: "face" },
  text: { color: OKABE_ITO.bluishGreen, hatch: "dots", label: "text" },
};
