/**
 * Test helpers shared by keycard's packages.
 * @packageDocumentation
 */
export { type MotoServer, startMoto } from "./moto.js";
export { makeTempDir, repoRoot, toolPath } from "./paths.js";
