// Reads ~/.databrickscfg with the `ini` package.
import * as fs from "node:fs";
import * as ini from "ini";

export interface ProfileFile {
  section(name: string): Record<string, unknown> | undefined;
  profileNames(): string[];
}

export function readProfileFile(filePath: string, makeError: (message: string) => Error): ProfileFile {
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "unknown error";
    throw makeError(`cannot read Databricks config file ${filePath}: ${code}`);
  }
  // `ini` nests dotted section names ([dev.eu] → {dev: {eu: …}}); profile names may contain dots,
  // so escape them in section headers to keep every profile a flat top-level section.
  const escaped = text.replace(/^(\s*)\[([^\]\r\n]*)\]/gm, (_m, lead: string, name: string) => `${lead}[${name.replace(/\./g, "\\.")}]`);
  const parsed = ini.parse(escaped) as Record<string, unknown>;
  const isSection = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  return {
    section(name) {
      const v = Object.prototype.hasOwnProperty.call(parsed, name) ? parsed[name] : undefined;
      return isSection(v) ? v : undefined;
    },
    profileNames() {
      return Object.keys(parsed).filter((k) => isSection(parsed[k]));
    },
  };
}
