// The probe's version, in its own module: `vigie --version` and the outputs name it without loading
// the metrics pipeline.
export const VERSION = '0.1.0';
