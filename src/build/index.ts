// Public API of the build step: two release trees -> one pack file.
export { buildPack } from './build-pack.js';
export type { BuildEvent, BuildOptions, BuildResult } from './build-pack.js';
export { classifyTrees } from './classify-trees.js';
