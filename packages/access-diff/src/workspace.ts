import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { SetFile } from "./policy-set.js";

/** Writes files under `dir`, creating folders; paths come from {@link SetFile.path}. @internal */
export async function writeFiles(dir: string, files: ReadonlyArray<SetFile>): Promise<void> {
  for (const file of files) {
    // Set paths come from a directory walk, so they never climb out; checked anyway.
    if (file.path.split("/").includes("..")) continue;
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.text);
  }
}

/** Reads the non-test Rego modules of a library directory (no links followed). @internal */
export async function readLibrary(dir: string): Promise<SetFile[]> {
  const files: SetFile[] = [];
  const visit = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith(".")) await visit(full);
      else if (
        entry.isFile() &&
        entry.name.endsWith(".rego") &&
        !entry.name.endsWith("_test.rego")
      ) {
        files.push({
          path: relative(dir, full).split(sep).join("/"),
          text: await readFile(full, "utf8"),
        });
      }
    }
  };
  await visit(dir);
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}
