import { rmSync } from "node:fs";
import { runGate } from "@keycard/access-diff";
import { generateRepo } from "./generate.js";

const repo = generateRepo("/work/main", 200);
const t = performance.now();
await runGate({
  root: repo.dir,
  baseRef: repo.base,
  headRef: repo.head,
  concurrency: 1,
  tools: { opa: "/work/main/.tools/bin/opa", regal: "/work/main/.tools/bin/regal" },
});
console.log("total", (performance.now() - t).toFixed(0));
rmSync(repo.dir, { recursive: true, force: true });
