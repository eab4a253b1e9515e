/**
 * The landmarks the face tracker sends by default and the face model's geometry features
 * read: MediaPipe Face Mesh points of the lips, eyes, eyebrows, nose and face oval (the
 * index sets of FaceLandmarker.FACE_LANDMARKS_* plus the nose ridge and wings), in
 * ascending mesh-index order. Shared by the browser and the server (lib/face imports this file).
 */

const LIPS = [
  0,
  13,
  14,
  17,
  37,
  39,
  40,
  61,
  78,
  80,
  81,
  82,
  84,
  87,
  88,
  91,
  95,
  146,
  178,
  181,
  185,
  191,
  267,
  269,
  270,
  291,
  308,
  310,
  311,
  312,
  314,
  317,
  318,
  321,
  324,
  375,
  402,
  405,
  409,
  415,
];
const LEFT_EYE = [249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466];
const RIGHT_EYE = [7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246];
const LEFT_EYEBROW = [276, 282, 283, 285, 293, 295, 296, 300, 334, 336];
const RIGHT_EYEBROW = [46, 52, 53, 55, 63, 65, 66, 70, 105, 107];
const FACE_OVAL = [
  10,
  21,
  54,
  58,
  67,
  93,
  103,
  109,
  127,
  132,
  136,
  148,
  149,
  150,
  152,
  162,
  172,
  176,
  234,
  251,
  284,
  288,
  297,
  323,
  332,
  338,
  356,
  361,
  365,
  377,
  378,
  379,
  389,
  397,
  400,
  454,
];
const NOSE = [1, 2, 4, 5, 6, 98, 129, 168, 195, 197, 327, 358];

/** Mesh indices of the default landmark subset (ascending, 140 points). */
export const LANDMARK_SUBSET = Object.freeze(
  [...new Set([...LIPS, ...LEFT_EYE, ...RIGHT_EYE, ...LEFT_EYEBROW, ...RIGHT_EYEBROW, ...FACE_OVAL, ...NOSE])]
    .sort((a, b) => a - b),
);

/** Number of points in the full MediaPipe face mesh (468 + 10 iris points). */
export const MESH_POINTS = 478;

/** Mesh index of the outer corner of the subject's right eye (image left in an unmirrored frame). */
export const RIGHT_EYE_OUTER = 33;
/** Mesh index of the outer corner of the subject's left eye. */
export const LEFT_EYE_OUTER = 263;
