/** The shape every modality stage hands to fusion. */
export * from "./estimate.ts";
