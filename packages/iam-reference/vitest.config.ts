import { defineProject } from "vitest/config";
import { unitProject } from "../../vitest.shared.js";

export default defineProject(unitProject(import.meta.dirname));
