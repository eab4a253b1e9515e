"""FER2013 face-model training (run through `deno task train:face`)."""
