/**
 * The documentation's own contract: README.md stays a front page (at most 15 KB), every relative
 * link in README.md and docs/ leads to a file that exists — and, when it names a heading
 * (`page.md#anchor`), to a heading that exists — and every page in docs/ is listed in the index.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const README = path.join(ROOT, "README.md");
const DOCS = path.join(ROOT, "docs");
const README_LIMIT_BYTES = 15 * 1024;

function markdownFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return markdownFiles(full);
    return e.isFile() && e.name.endsWith(".md") ? [full] : [];
  });
}

/** The text outside fenced code blocks (their content is code, not links or headings). */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

/** Heading anchors the way GitHub makes them: lowercase, punctuation dropped, spaces → "-", repeats numbered. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const rendered = m[1].replace(/`/g, "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    const base = rendered.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

interface Link {
  file: string;
  line: number;
  target: string;
}

/** Inline links and images `[text](target)` outside code; external and mail links left out. */
function relativeLinks(file: string): Link[] {
  const text = prose(fs.readFileSync(file, "utf8"));
  const links: Link[] = [];
  text.split("\n").forEach((lineText, i) => {
    const withoutCode = lineText.replace(/`[^`]*`/g, "");
    for (const m of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ file, line: i + 1, target });
    }
  });
  return links;
}

/** What is wrong with a link, or undefined when it resolves. */
function brokenReason(link: Link): string | undefined {
  const [rawPath, anchor] = link.target.split("#", 2) as [string, string | undefined];
  const targetFile = rawPath === "" ? link.file : path.resolve(path.dirname(link.file), decodeURIComponent(rawPath));
  if (!targetFile.startsWith(ROOT + path.sep)) return "points outside the repository";
  if (!fs.existsSync(targetFile)) return "no such file";
  if (anchor === undefined || anchor === "") return undefined;
  if (!targetFile.endsWith(".md")) return "an anchor on a file that is not Markdown";
  const anchors = headingAnchors(fs.readFileSync(targetFile, "utf8"));
  return anchors.has(decodeURIComponent(anchor)) ? undefined : `no heading #${anchor} in ${path.relative(ROOT, targetFile)}`;
}

const pages = [README, ...markdownFiles(DOCS)];

describe("documentation", () => {
  test(`README.md is a front page of at most ${README_LIMIT_BYTES} bytes`, () => {
    expect(fs.statSync(README).size).toBeLessThanOrEqual(README_LIMIT_BYTES);
  });

  test("every relative link in README.md and docs/ resolves to a file and heading that exist", () => {
    const links = pages.flatMap(relativeLinks);
    expect(links.length).toBeGreaterThan(50); // the checker really found the links
    const broken = links
      .map((l) => ({ l, why: brokenReason(l) }))
      .filter((b) => b.why !== undefined)
      .map(({ l, why }) => `${path.relative(ROOT, l.file)}:${l.line} (${l.target}): ${why}`);
    expect(broken).toEqual([]);
  });

  test("every page in docs/ is listed in docs/README.md", () => {
    const index = path.join(DOCS, "README.md");
    const listed = new Set(relativeLinks(index).map((l) => path.resolve(DOCS, l.target.split("#")[0])));
    const missing = markdownFiles(DOCS)
      .filter((f) => f !== index && !listed.has(f))
      .map((f) => path.relative(ROOT, f));
    expect(missing).toEqual([]);
  });

  test("the link checker catches a missing file, a missing heading and a link outside the repository", () => {
    const page = path.join(DOCS, "README.md");
    expect(brokenReason({ file: page, line: 1, target: "no-such-page.md" })).toBe("no such file");
    expect(brokenReason({ file: page, line: 1, target: "genie-api.md#9-nothing-here" })).toMatch(/no heading/);
    expect(brokenReason({ file: page, line: 1, target: "../../outside.md" })).toBe("points outside the repository");
    expect(brokenReason({ file: page, line: 1, target: "genie-api.md#15-update" })).toBeUndefined();
    expect([...headingAnchors("## Which workspace: `--host`, `--stack`\n## A → B\n## A → B\n")]).toEqual([
      "which-workspace---host---stack",
      "a--b",
      "a--b-1",
    ]);
  });
});
