// Public API of the build step: two release trees -> one pack file.
export { buildPack } from './build-pack.js';
export type { BuildEvent, BuildOptions, BuildProgress, BuildResult, BuildWarning } from './build-pack.js';
export { classifyTrees } from './classify-trees.js';
