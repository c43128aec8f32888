/**
 * Test helpers shared by keycard's packages.
 * @packageDocumentation
 */
export { startMoto, type MotoServer } from "./moto.js";
export { makeTempDir, repoRoot, toolPath } from "./paths.js";
