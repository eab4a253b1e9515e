/** The label space (7 emotions, 3 sentiments) and the dimensional affect derived from it. */
export * from "./labels.ts";
export * from "./affect.ts";
